import { NextResponse } from "next/server";
import { getQuota } from "@/lib/billing/metering";
import { accountFor, queryAccountId } from "@/lib/http/account";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * `{plan, meters: {<meter>: {used, limit, remaining, resetsAt}}}` for an account the caller
 * belongs to (`?accountId=`, else the personal one; an API key: its own account).
 */
export const GET = route({ access: "user-or-key", rateLimit: "usage" }, async (ctx) => {
  const account = await accountFor(ctx, queryAccountId(ctx.request), "use");
  const quota = await getQuota(account.accountId);
  const meters = Object.fromEntries(
    Object.entries(quota.meters).map(([id, m]) => [id, { used: m.used, limit: m.limit, remaining: m.remaining, resetsAt: m.resetsAt }]),
  );
  return NextResponse.json({ accountId: account.accountId, plan: quota.plan.id, meters });
});

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
