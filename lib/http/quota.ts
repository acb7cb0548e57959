import "server-only";
import type { NextRequest } from "next/server";
import { ANONYMOUS_COOKIE, ANONYMOUS_COOKIE_MAX_AGE, newAnonymousId, signAnonymousId, verifyAnonymousId } from "@/lib/auth/anonymous-id";
import { getCurrentUser, requireApiUserOrKey, type ApiCaller } from "@/lib/auth/session";
import { consume, refund, type UsageResult } from "@/lib/billing/metering";
import { consumeAnonymous } from "@/lib/billing/metering/anonymous";
import { quotaExceeded, refusingWindow } from "@/lib/billing/metering/quota-error";
import type { MeterId } from "@/lib/billing/plans";
import { badRequest } from "@/lib/errors";
import { isStorableText } from "@/lib/input-rules";
import { logger } from "@/lib/logger";
import { accountFor } from "./account";
import { consumeRateLimit } from "./rate-limit";
import { jsonError, route, type RouteContext, type RouteHandler } from "./route";

/**
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the period resets,
 * as in the IETF RateLimit header fields draft) for a metered answer; none for unlimited meters.
 */
export function quotaHeaders(result: Pick<UsageResult, "limit" | "remaining" | "resetsAt">, now = Date.now()): Record<string, string> {
  if (result.limit === null) return {};
  return {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(result.remaining ?? 0),
    "RateLimit-Reset": String(Math.max(0, Math.ceil((Date.parse(result.resetsAt) - now) / 1000))),
  };
}

/** The 402 answer for a refused consume, with the RateLimit-* headers of the window that refused it. */
export function quotaExceededResponse(result: UsageResult): Response {
  const refused = refusingWindow(result);
  const limit = refused.limit;
  const headers =
    refused.window === "period"
      ? quotaHeaders(result)
      : quotaHeaders({ limit, remaining: limit === null ? null : Math.max(0, limit - refused.used), resetsAt: refused.resetsAt });
  return jsonError(quotaExceeded(result), headers);
}

export interface QuotaContext {
  /** Null for a signed-out visitor using the anonymous allowance. */
  caller: ApiCaller | null;
  usage: UsageResult;
}

/** The client's address as the platform's proxy reports it (Vercel sets X-Forwarded-For). */
export function clientIp(request: Request): string {
  return request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || request.headers.get("x-real-ip")?.trim() || "unknown";
}

/**
 * A signed-out visitor: their signed `anon_id` cookie (a new one when absent or forged) and the
 * anonymous allowance of `meter`, capped per IP address, after the `anonymous-usage` request rate
 * per IP. The cookie is set on the answer.
 */
async function anonymousQuota(
  request: NextRequest,
  meter: MeterId,
  quantity: number,
  run: (usage: UsageResult) => Promise<Response>,
): Promise<Response> {
  const existing = verifyAnonymousId(request.cookies.get(ANONYMOUS_COOKIE)?.value);
  const visitorId = existing ?? newAnonymousId();
  const ip = clientIp(request);
  // Signed-out calls have no account budget: a request rate per IP, before the allowance is looked at.
  await consumeRateLimit("anonymous-usage", "ip", ip);
  const usage = await consumeAnonymous(visitorId, ip, meter, quantity);
  const response = usage.allowed ? await run(usage) : quotaExceededResponse(usage);
  if (!existing) {
    const secure = new URL(request.url).protocol === "https:";
    response.headers.append(
      "set-cookie",
      `${ANONYMOUS_COOKIE}=${signAnonymousId(visitorId)}; Path=/; Max-Age=${ANONYMOUS_COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`,
    );
  }
  return response;
}

/**
 * A route that costs `quantity` units of `meter`: the caller (session or API key) is authenticated,
 * the units consumed before the handler runs (an `Idempotency-Key` header makes a retry count once),
 * 402 with RateLimit-* headers when over the limit, and the units refunded if the handler throws.
 * `withQuota("api_calls", 1, async (ctx, { caller, usage }) => …)`. The units are the account's named
 * by `?accountId=` (a member's usage counts against the organization), else the caller's own. Declared like every route
 * (`user-or-key`, or `public` with `{ anonymous: true }`, where signed-out visitors use the catalog's
 * anonymous allowance instead of a 401), with the usage API's rate limit.
 */
export function withQuota(
  meter: MeterId,
  quantity: number,
  handler: (ctx: RouteContext<"public", undefined>, quota: QuotaContext) => Promise<Response>,
  options: { anonymous?: boolean } = {},
): RouteHandler {
  return route({ access: options.anonymous ? "public" : "user-or-key", rateLimit: "usage" }, async (ctx) => {
    const { request } = ctx;
    if (options.anonymous && !request.headers.get("authorization") && !(await getCurrentUser(request))) {
      return anonymousQuota(request, meter, quantity, (usage) => handler(ctx, { caller: null, usage }));
    }
    const caller = await requireApiUserOrKey(request);
    // The account the call is for: `?accountId=` (an organization the caller belongs to), else the
    // personal account; an API key's own account.
    const { accountId } = await accountFor(caller, new URL(request.url).searchParams.get("accountId"), "use");
    const idempotencyKey = idempotencyKeyHeader(request);
    const usage = await consume(accountId, meter, quantity, { idempotencyKey, apiKeyId: caller.apiKeyId });
    if (!usage.allowed) return quotaExceededResponse(usage);
    let response: Response;
    try {
      response = await handler(ctx, { caller, usage });
    } catch (error) {
      if (!usage.duplicate) {
        await refund(accountId, meter, quantity, { idempotencyKey: idempotencyKey ? `refund:${idempotencyKey}` : null }).catch(
          (err: unknown) => logger.error({ err, meter }, "could not refund a failed metered call"),
        );
      }
      throw error;
    }
    for (const [name, value] of Object.entries(quotaHeaders(usage))) response.headers.set(name, value);
    return response;
  });
}

/** Same rule as a usage event's `idempotencyKey`: at most 255 characters (it is stored and indexed). */
function idempotencyKeyHeader(request: Request): string | null {
  const key = request.headers.get("idempotency-key");
  if (key !== null && (key.length === 0 || key.length > 255 || !isStorableText(key))) {
    throw badRequest("Idempotency-Key: must be 1 to 255 characters.", { field: "Idempotency-Key" });
  }
  return key;
}
