import { NextResponse } from "next/server";
import { trialStart } from "@/lib/billing/inputs";
import { startTrialWithoutCard } from "@/lib/billing/trial-start";
import { accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/** `{plan, interval?, accountId?}`: starts the plan's card-less trial for that account (an owner or admin). */
export const POST = route({ access: "user", body: trialStart, rateLimit: "checkout" }, async (ctx) => {
  const { user, body } = ctx;
  const account = await accountFor(ctx, body.accountId, "manage");
  const billing = { id: account.accountId, email: user.email, name: account.kind === "personal" ? user.name : account.name };
  return NextResponse.json(await startTrialWithoutCard(billing, body.plan, body.interval));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
