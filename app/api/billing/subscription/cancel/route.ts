import { NextResponse, type NextRequest } from "next/server";
import { requireApiUser } from "@/lib/auth/session";
import { cancelSubscription } from "@/lib/billing/plan-change";
import { route } from "@/lib/http/route";

export const POST = route(async (request: NextRequest) => {
  const user = await requireApiUser(request);
  return NextResponse.json(await cancelSubscription(user.id));
});
