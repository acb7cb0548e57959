import { NextResponse, type NextRequest } from "next/server";
import { requireApiUserOrKey } from "@/lib/auth/session";
import { consume, consumeBatch, getQuota, getUsageHistory } from "@/lib/billing/metering";
import { isBatchBody, usageBatchInput, usageEventInput, usageHistoryQuery } from "@/lib/billing/metering/inputs";
import { parseJson, route, validate } from "@/lib/http/route";
import { quotaExceededResponse, quotaHeaders } from "@/lib/http/quota";
import { z } from "zod";

export const dynamic = "force-dynamic";

/**
 * Records usage for the caller (session or API key): one event, or `{events: […]}` up to 1,000.
 * RATE LIMIT (issue 8): this route is on customers' hot paths; the shared per-account limiter
 * (≥ 100 requests/s sustained, bursts of 200; batches are the way to go faster) is wired here at
 * merge — this module deliberately does not build its own.
 */
export const POST = route(async (request: NextRequest) => {
  const caller = await requireApiUserOrKey(request);
  const body = await parseJson(request, z.unknown());
  if (isBatchBody(body)) {
    const { events } = validate(usageBatchInput, body);
    const results = await consumeBatch(caller.user.id, events, { apiKeyId: caller.apiKeyId });
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
  const event = validate(usageEventInput, body);
  const result = await consume(caller.user.id, event.meter, event.quantity, {
    idempotencyKey: event.idempotencyKey,
    metadata: event.metadata,
    apiKeyId: caller.apiKeyId,
  });
  if (!result.allowed) return quotaExceededResponse(result);
  const { allowed, meter, used, limit, remaining, resetsAt } = result;
  return NextResponse.json({ allowed, meter, used, limit, remaining, resetsAt }, { headers: quotaHeaders(result) });
});

/** Usage history for charts: `?meter=&from=&to=&granularity=day` (default: the meter's current period). */
export const GET = route(async (request: NextRequest) => {
  const caller = await requireApiUserOrKey(request);
  const query = validate(usageHistoryQuery, Object.fromEntries(request.nextUrl.searchParams));
  let from = query.from ? new Date(query.from) : undefined;
  let to = query.to ? new Date(query.to) : undefined;
  if (!from || !to) {
    const period = (await getQuota(caller.user.id)).meters[query.meter];
    from ??= new Date(period.periodStart);
    to ??= new Date(period.resetsAt);
  }
  return NextResponse.json(await getUsageHistory(caller.user.id, query.meter, from, to));
});
