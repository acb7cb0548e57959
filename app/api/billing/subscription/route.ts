import { NextResponse, type NextRequest } from "next/server";
import { requireApiUser } from "@/lib/auth/session";
import { getBillingSummary } from "@/lib/billing/summary";
import { route } from "@/lib/http/route";

export const GET = route(async (request: NextRequest) => {
  const user = await requireApiUser(request);
  return NextResponse.json(await getBillingSummary(user.id));
});
