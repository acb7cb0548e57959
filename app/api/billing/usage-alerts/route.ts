import { NextResponse } from "next/server";
import { z } from "zod";
import { accountIdInput } from "@/lib/accounts/access";
import { ALERT_WINDOWS, dismissAccountUsageAlerts, usageAlertsForUser } from "@/lib/billing/usage-alerts";
import { METER_IDS, type MeterId } from "@/lib/billing/plans";
import { accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** `{alerts: [...]}`: the usage warnings of every account the user owns or administers (the banner on every page). */
export const GET = route({ access: "user" }, async ({ user }) => NextResponse.json({ alerts: await usageAlertsForUser(user.id) }));

const dismissInput = z.strictObject({
  accountId: accountIdInput,
  meter: z.enum(METER_IDS as [MeterId, ...MeterId[]], { message: `must be one of: ${METER_IDS.join(", ")}` }),
  window: z.enum(ALERT_WINDOWS, { message: `must be one of: ${ALERT_WINDOWS.join(", ")}` }).default("period"),
  resetsAt: z.iso.datetime({ offset: true, message: "must be the alert's resetsAt (ISO 8601)" }),
});

/** Hides the warnings of one account, meter and window (the period when not named) until that window ends (owners and admins). */
export const POST = route({ access: "user", body: dismissInput }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "manage");
  const dismissed = await dismissAccountUsageAlerts(account.accountId, ctx.body.meter, ctx.body.window, new Date(ctx.body.resetsAt));
  return NextResponse.json({ dismissed });
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
