import { NextResponse } from "next/server";
import { consume, consumeBatch, getQuota, getUsageHistory } from "@/lib/billing/metering";
import { isBatchBody, usageBatchInput, usageEventInput, usageHistoryQuery } from "@/lib/billing/metering/inputs";
import { parseInput, route } from "@/lib/http/route";
import { quotaExceededResponse, quotaHeaders } from "@/lib/http/quota";
import { z } from "zod";

/** A batch of 1,000 events with metadata fits comfortably; anything larger is a 413. */
const MAX_USAGE_BODY_BYTES = 1024 * 1024;

export const dynamic = "force-dynamic";

/**
 * Records usage for the caller (session or API key): one event, or `{events: […]}` up to 1,000.
 * It is on customers' hot paths: the `usage` rate limit allows 100 requests/s sustained per account
 * with bursts of 200; batches are the way to go faster.
 */
export const POST = route(
  { access: "user-or-key", body: z.unknown(), maxBodyBytes: MAX_USAGE_BODY_BYTES, rateLimit: "usage" },
  async ({ user, apiKeyId, body }) => {
  if (isBatchBody(body)) {
    const { events } = parseInput(body, usageBatchInput);
    const results = await consumeBatch(user.id, events, { apiKeyId });
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
  const event = parseInput(body, usageEventInput);
  const result = await consume(user.id, event.meter, event.quantity, {
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
export const GET = route({ access: "user-or-key", rateLimit: "usage" }, async ({ request, user }) => {
  const query = parseInput(Object.fromEntries(request.nextUrl.searchParams), usageHistoryQuery);
  let from = query.from ? new Date(query.from) : undefined;
  let to = query.to ? new Date(query.to) : undefined;
  if (!from || !to) {
    const period = (await getQuota(user.id)).meters[query.meter];
    from ??= new Date(period.periodStart);
    to ??= new Date(period.resetsAt);
  }
  return NextResponse.json(await getUsageHistory(user.id, query.meter, from, to));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
