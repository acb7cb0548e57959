import { NextResponse, type NextRequest } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { requireApiUser } from "@/lib/auth/session";
import { startCheckout } from "@/lib/billing/checkout";
import { planSelection } from "@/lib/billing/inputs";
import { parseJson, route } from "@/lib/http/route";

export const POST = route(async (request: NextRequest) => {
  const user = await requireApiUser(request);
  const { plan, interval } = await parseJson(request, planSelection);
  return NextResponse.json(await startCheckout(user, plan, interval, requestOrigin(request)));
});
