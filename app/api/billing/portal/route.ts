import { NextResponse, type NextRequest } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { requireApiUser } from "@/lib/auth/session";
import { openCustomerPortal } from "@/lib/billing/checkout";
import { route } from "@/lib/http/route";

export const POST = route(async (request: NextRequest) => {
  const user = await requireApiUser(request);
  return NextResponse.json(await openCustomerPortal(user.id, requestOrigin(request)));
});
