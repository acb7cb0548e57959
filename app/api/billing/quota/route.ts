import { NextResponse } from "next/server";
import { getQuota } from "@/lib/billing/metering";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** `{plan, meters: {<meter>: {used, limit, remaining, resetsAt}}}` for the caller (session or API key). */
export const GET = route({ access: "user-or-key", rateLimit: "usage" }, async ({ user }) => {
  const quota = await getQuota(user.id);
  const meters = Object.fromEntries(
    Object.entries(quota.meters).map(([id, m]) => [id, { used: m.used, limit: m.limit, remaining: m.remaining, resetsAt: m.resetsAt }]),
  );
  return NextResponse.json({ plan: quota.plan.id, meters });
});

export { methodNotAllowed as POST, methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
