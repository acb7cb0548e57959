import { NextResponse } from "next/server";
import { cancelSubscription } from "@/lib/billing/plan-change";
import { route } from "@/lib/http/route";

export const POST = route({ access: "user", rateLimit: "billing-action" }, async ({ user }) =>
  NextResponse.json(await cancelSubscription(user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
