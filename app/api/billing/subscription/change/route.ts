import { NextResponse, type NextRequest } from "next/server";
import { requireApiUser } from "@/lib/auth/session";
import { planChange } from "@/lib/billing/inputs";
import { changePlan } from "@/lib/billing/plan-change";
import { parseJson, route } from "@/lib/http/route";

export const POST = route(async (request: NextRequest) => {
  const user = await requireApiUser(request);
  const input = await parseJson(request, planChange);
  return NextResponse.json(await changePlan(user.id, input));
});
