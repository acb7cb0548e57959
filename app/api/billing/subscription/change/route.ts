import { NextResponse } from "next/server";
import { planChange } from "@/lib/billing/inputs";
import { changePlan } from "@/lib/billing/plan-change";
import { route } from "@/lib/http/route";

export const POST = route({ access: "user", body: planChange, rateLimit: "billing-action" }, async ({ user, body }) =>
  NextResponse.json(await changePlan(user.id, body)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
