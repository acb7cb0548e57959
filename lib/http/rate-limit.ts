import "server-only";
import { env as serverEnv } from "@/env";
import { RateLimiterDrizzle, RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { getDatabaseHandle, type Database } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";

/**
 * Named rate-limit policies. Route declarations reference them by name (`rateLimit: "checkout"`);
 * each names a budget per client IP and/or per account (user id, or the email tried at sign-in).
 * Budgets are `points` requests per `seconds`; a request over budget is a 429 with Retry-After.
 */
export const RATE_LIMIT_POLICIES = {
  /** Password sign-in: a CPU budget (bcrypt) per IP, whatever the outcome. See lib/auth/sign-in-throttle.ts. */
  "sign-in": { ip: { points: 30, seconds: 60 } },
  /** Wrong passwords per IP, and per account from one IP (`account` keys are "email ip"). Successes are given back. */
  "sign-in-failure": { ip: { points: 20, seconds: 15 * 60 }, account: { points: 5, seconds: 15 * 60 } },
  /** Wrong passwords per account from every IP: past it, only IPs the account signed in from are checked. */
  "sign-in-account-failure": { account: { points: 50, seconds: 60 * 60 } },
  /** Marks an IP the account signed in from ("email ip"), for 21 days after its last success (in-memory timers cap at 24.8). */
  "sign-in-known-ip": { account: { points: 1, seconds: 21 * 24 * 60 * 60 } },
  /** Signed-out visitors' metered calls (the demo job), per IP, before the anonymous allowance is looked at. */
  "anonymous-usage": { ip: { points: 20, seconds: 60 } },
  "sign-up": { ip: { points: 10, seconds: 60 * 60 } },
  /** Anything that sends an email link (verification, password reset). */
  "email-link": { ip: { points: 10, seconds: 60 * 60 }, account: { points: 5, seconds: 60 * 60 } },
  checkout: { ip: { points: 30, seconds: 60 }, account: { points: 10, seconds: 60 } },
  portal: { ip: { points: 30, seconds: 60 }, account: { points: 10, seconds: 60 } },
  /** Billing actions that change a subscription (change, cancel, resume). */
  "billing-action": { ip: { points: 60, seconds: 60 }, account: { points: 20, seconds: 60 } },
  /**
   * Organization invitations (each emails an address the inviter typed): a team's worth an hour per
   * inviter, far above what onboarding needs and far below what spamming would. Accepting one too.
   */
  invitation: { ip: { points: 100, seconds: 60 * 60 }, account: { points: 50, seconds: 60 * 60 } },
  /** The usage API: 100 requests/s sustained per account, bursts of 200. */
  usage: { account: { points: 200, seconds: 2 } },
} as const satisfies Record<string, { ip?: Budget; account?: Budget }>;

export type RateLimitName = keyof typeof RATE_LIMIT_POLICIES;
interface Budget {
  points: number;
  seconds: number;
}
export type RateLimitScope = "ip" | "account";

/**
 * `postgres` (the default with DATABASE_URL) shares counters between every server instance, which is
 * what serverless deployments need; `memory` (the default with the embedded PGlite, one process)
 * keeps them in this process. A store that fails falls back to an in-memory limiter, so an outage
 * of the counter store neither blocks every request nor lifts the limits.
 */
export function rateLimitStore(env: Record<string, string | undefined> = serverEnv): "postgres" | "memory" {
  if (env.RATE_LIMIT_STORE === "memory" || env.RATE_LIMIT_STORE === "postgres") return env.RATE_LIMIT_STORE;
  return env.DATABASE_URL ? "postgres" : "memory";
}

/** A store call that takes longer than this is treated as a store outage: the memory limiter answers. */
export const RATE_LIMIT_STORE_TIMEOUT_MS = 300;
/** After a store timeout, the memory limiter answers alone this long, so an outage costs one wait, not one per request. */
const STORE_BYPASS_MS = 5_000;

interface LimiterEntry {
  limiter: RateLimiterAbstract;
  /** The in-memory limiter that answers while the shared store is unreachable (null: memory only). */
  insurance: RateLimiterMemory | null;
}

const globalForLimits = globalThis as unknown as {
  __rateLimiters?: { db: Database | null; limiters: Map<string, LimiterEntry>; bypassUntil: number };
};

async function limiterFor(id: string, budget: Budget): Promise<LimiterEntry> {
  const db = rateLimitStore() === "postgres" ? (await getDatabaseHandle()).db : null;
  if (!globalForLimits.__rateLimiters || globalForLimits.__rateLimiters.db !== db) {
    globalForLimits.__rateLimiters = { db, limiters: new Map(), bypassUntil: 0 };
  }
  const cache = globalForLimits.__rateLimiters.limiters;
  let entry = cache.get(id);
  if (!entry) {
    const options = { keyPrefix: id, points: budget.points, duration: budget.seconds };
    const insurance = db ? new RateLimiterMemory(options) : null;
    entry = {
      limiter:
        db && insurance
          ? new RateLimiterDrizzle({
              ...options,
              schema: rateLimits,
              storeClient: db,
              clearExpiredByTimeout: false,
              insuranceLimiter: insurance,
            })
          : new RateLimiterMemory(options),
      insurance,
    };
    cache.set(id, entry);
  }
  return entry;
}

/**
 * Consumes points from the shared store, bounded: a store that does not answer within
 * RATE_LIMIT_STORE_TIMEOUT_MS (a frozen or unreachable database, whose own timeouts are seconds)
 * is skipped for STORE_BYPASS_MS and the in-memory limiter answers at once, so the limits still hold
 * per instance and no request waits on the outage. A store that fails outright falls back the same
 * way (rate-limiter-flexible's `insuranceLimiter`).
 */
async function withStore<T>(entry: LimiterEntry, call: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> {
  const state = globalForLimits.__rateLimiters;
  if (!entry.insurance || !state) return call(entry.limiter);
  if (Date.now() < state.bypassUntil) return call(entry.insurance);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<typeof STORE_TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(STORE_TIMED_OUT), RATE_LIMIT_STORE_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([call(entry.limiter), timedOut]);
    if (result !== STORE_TIMED_OUT) return result as T;
  } finally {
    clearTimeout(timer);
  }
  state.bypassUntil = Date.now() + STORE_BYPASS_MS;
  logger.warn({ timeoutMs: RATE_LIMIT_STORE_TIMEOUT_MS }, "rate limiter store did not answer: counting in memory for now");
  return call(entry.insurance);
}
const STORE_TIMED_OUT = Symbol("store timed out");

const consumeBounded = (entry: LimiterEntry, key: string, points = 1): Promise<RateLimiterRes> =>
  withStore(entry, (limiter) => limiter.consume(key, points));

/**
 * Counts one occurrence of `name` in a fixed window of `seconds` shared by every instance (the
 * rate-limit store: one upsert on Postgres), and returns how many there were in the window so far.
 * Bounded like the rate limits: an unreachable store counts in memory.
 */
export async function countOccurrence(name: string, seconds: number): Promise<number> {
  const entry = await limiterFor(`count:${name}`, { points: Number.MAX_SAFE_INTEGER, seconds });
  return (await consumeBounded(entry, name)).consumedPoints;
}

export const rateLimited = (retryAfterSeconds: number) =>
  new AppError("rate_limited", "Too many requests. Please wait and try again.", { retryAfterSeconds });

/**
 * Counts one request against the policy's budget for this scope and key; throws a `rate_limited`
 * AppError (429 with Retry-After) when the budget is spent. Policies without the scope do nothing.
 */
export async function consumeRateLimit(name: RateLimitName, scope: RateLimitScope, key: string): Promise<void> {
  // Only for test suites that are about something else (vitest sets it; the rate-limit tests unset it).
  if (serverEnv.RATE_LIMITS === "off") return;
  const policy: { ip?: Budget; account?: Budget } = RATE_LIMIT_POLICIES[name];
  const budget = policy[scope];
  if (!budget) return;
  const entry = await limiterFor(`${name}:${scope}`, budget);
  try {
    await consumeBounded(entry, key.toLowerCase());
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    // A broken store with no insurance: log and let the request through rather than fail it.
    logger.error({ err: rejection, limiter: name }, "rate limiter store failed");
  }
}

/**
 * The client's IP as the proxy in front of the app reports it (Vercel and most load balancers set
 * X-Forwarded-For / X-Real-IP and overwrite what the client sent). Without such a proxy the header
 * can be forged, so per-account budgets are what protect accounts; see SECURITY.md.
 */
export function clientIp(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || headers.get("x-real-ip")?.trim() || "unknown";
}

async function policyLimiter(name: RateLimitName, scope: RateLimitScope): Promise<{ entry: LimiterEntry; budget: Budget } | null> {
  if (serverEnv.RATE_LIMITS === "off") return null;
  const budget = (RATE_LIMIT_POLICIES[name] as { ip?: Budget; account?: Budget })[scope];
  return budget ? { entry: await limiterFor(`${name}:${scope}`, budget), budget } : null;
}

/**
 * What `key` has used of the policy's budget in the current window, without counting anything:
 * `spent` with the seconds until it has budget again. A failing store answers "nothing used".
 */
export async function rateLimitUsage(
  name: RateLimitName,
  scope: RateLimitScope,
  key: string,
): Promise<{ used: number; spent: boolean; retryAfterSeconds: number }> {
  const policy = await policyLimiter(name, scope);
  const res = policy
    ? await withStore(policy.entry, (limiter) => limiter.get(key.toLowerCase())).catch((error: unknown) => {
        logger.error({ err: error, limiter: name }, "rate limiter store failed");
        return null;
      })
    : null;
  const used = res?.consumedPoints ?? 0;
  const spent = policy !== null && used >= policy.budget.points;
  return { used, spent, retryAfterSeconds: spent && res ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0 };
}

/**
 * Counts `points` against `key` without refusing (an outcome known only afterwards, such as a wrong
 * password); negative points give back what a consume took. `renew` restarts the window (a marker
 * that should last from its latest use).
 */
export async function adjustRateLimit(
  name: RateLimitName,
  scope: RateLimitScope,
  key: string,
  points: number,
  options: { renew?: boolean } = {},
): Promise<void> {
  const policy = await policyLimiter(name, scope);
  if (!policy) return;
  const id = key.toLowerCase();
  try {
    await withStore(policy.entry, (limiter) =>
      options.renew
        ? limiter.set(id, points, policy.budget.seconds)
        : points >= 0
          ? limiter.penalty(id, points)
          : limiter.reward(id, -points),
    );
  } catch (error) {
    logger.error({ err: error, limiter: name }, "rate limiter store failed");
  }
}
