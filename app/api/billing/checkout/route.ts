import { NextResponse } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { startCheckout } from "@/lib/billing/checkout";
import { planSelection } from "@/lib/billing/inputs";
import { route } from "@/lib/http/route";

export const POST = route({ access: "user", body: planSelection, rateLimit: "checkout" }, async ({ request, user, body }) =>
  NextResponse.json(await startCheckout(user, body.plan, body.interval, requestOrigin(request))),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
