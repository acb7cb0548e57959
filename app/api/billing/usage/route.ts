import { NextResponse } from "next/server";
import { consume, consumeBatch, getQuota, getUsageHistory } from "@/lib/billing/metering";
import { isBatchBody, singleUsageInput, usageBatchInput, usageHistoryQuery } from "@/lib/billing/metering/inputs";
import { accountFor } from "@/lib/http/account";
import { parseInput, route } from "@/lib/http/route";
import { quotaExceededResponse, quotaHeaders } from "@/lib/http/quota";
import { z } from "zod";

/** A batch of 1,000 events with metadata fits comfortably; anything larger is a 413. */
const MAX_USAGE_BODY_BYTES = 1024 * 1024;

export const dynamic = "force-dynamic";

/**
 * Records usage for an account the caller belongs to (session or API key; `accountId` in the body,
 * the personal account without it): one event, or `{events: […]}` up to 1,000.
 * It is on customers' hot paths: the `usage` rate limit allows 100 requests/s sustained per account
 * with bursts of 200; batches are the way to go faster.
 */
export const POST = route(
  { access: "user-or-key", body: z.unknown(), maxBodyBytes: MAX_USAGE_BODY_BYTES, rateLimit: "usage" },
  async (ctx) => {
    const { apiKeyId, body } = ctx;
    if (isBatchBody(body)) {
      const { events, accountId } = parseInput(body, usageBatchInput);
      const account = await accountFor(ctx, accountId, "use");
      const results = await consumeBatch(account.accountId, events, { apiKeyId });
      return NextResponse.json({
        results: results.map((r) => ({
          idempotencyKey: r.idempotencyKey,
          allowed: r.allowed,
          used: r.used,
          limit: r.limit,
          remaining: r.remaining,
          resetsAt: r.resetsAt,
          ...(r.error ? { error: r.error } : {}),
        })),
      });
    }
    const event = parseInput(body, singleUsageInput);
    const account = await accountFor(ctx, event.accountId, "use");
    const result = await consume(account.accountId, event.meter, event.quantity, {
      idempotencyKey: event.idempotencyKey,
      metadata: event.metadata,
      apiKeyId,
    });
    if (!result.allowed) return quotaExceededResponse(result);
    const { allowed, meter, used, limit, remaining, resetsAt } = result;
    return NextResponse.json({ allowed, meter, used, limit, remaining, resetsAt }, { headers: quotaHeaders(result) });
  },
);

/** Usage history for charts: `?meter=&from=&to=&granularity=day` (default: the meter's current period). */
export const GET = route({ access: "user-or-key", rateLimit: "usage" }, async (ctx) => {
  const query = parseInput(Object.fromEntries(ctx.request.nextUrl.searchParams), usageHistoryQuery);
  const { accountId } = await accountFor(ctx, query.accountId, "use");
  let from = query.from ? new Date(query.from) : undefined;
  let to = query.to ? new Date(query.to) : undefined;
  if (!from || !to) {
    const period = (await getQuota(accountId)).meters[query.meter];
    from ??= new Date(period.periodStart);
    to ??= new Date(period.resetsAt);
  }
  return NextResponse.json(await getUsageHistory(accountId, query.meter, from, to));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
