import "server-only";
import { desc, eq, getTableColumns } from "drizzle-orm";
import { selectPreparedText, type Queryable } from "@/db/client";
import { exactTimestamp } from "@/db/exact-timestamp";
import { subscriptions } from "@/db/schema";
import { gracePeriodDays, readLimitOverrides, resolveEntitlement, type Entitlement } from "../entitlements";
import { WINDOW_KINDS, meterDefinition, type MeterId, type OveragePolicy } from "../plans";
import { usagePeriod, type UsagePeriod } from "./periods";
import { windowAt, windowParams, type MeterWindow, type WindowParams } from "./windows";

/** Everything a metering statement needs to know about one user and meter at one moment. */
export interface MeterContext {
  accountId: string;
  meter: MeterId;
  plan: { id: string; name: string };
  /** Null = unlimited. Read from the entitlement, so per-customer overrides apply. */
  limit: number | null;
  period: UsagePeriod;
  /** `bill` only when the meter bills overage AND the user has a Stripe subscription to bill it on. */
  overage: OveragePolicy;
  /** The shorter windows the plan caps (a UTC day, a UTC hour), checked with the period limit. */
  windows: MeterWindow[];
  /** The current day and hour every counter statement tracks, with their caps (lib/billing/metering/windows.ts). */
  clock: WindowParams;
  /**
   * On a `bill` meter: the overage's price per unit in minor units (decimal text) and currency,
   * which the account's spend cap (lib/billing/metering/spend-caps.ts) is checked against.
   */
  overagePrice: { unitAmountDecimal: string; currency: string } | null;
}

export function meterContext(entitlement: Entitlement, accountId: string, meter: MeterId, now: Date): MeterContext {
  const limit = entitlement.limits[meter] ?? null;
  const definition = meterDefinition(meter);
  const billable = definition.overage === "bill" && entitlement.subscription?.provider === "stripe" && limit !== null;
  const caps = entitlement.windowLimits?.[meter] ?? {};
  const windows = WINDOW_KINDS.flatMap((kind): MeterWindow[] => {
    const cap = caps[kind];
    return cap === undefined ? [] : [{ window: kind, limit: cap, ...windowAt(kind, now) }];
  });
  return {
    accountId,
    meter,
    plan: { id: entitlement.plan.id, name: entitlement.plan.name },
    limit,
    period: usagePeriod(entitlement.subscription, now),
    overage: billable ? "bill" : "block",
    windows,
    clock: windowParams(windows, now),
    overagePrice:
      billable && definition.stripe
        ? { unitAmountDecimal: definition.stripe.unitAmountDecimal, currency: entitlement.plan.currency }
        : null,
  };
}

/** The user's entitlement (plan, limits with the admin's per-customer overrides, grace period). */
export async function loadEntitlement(db: Queryable, accountId: string, now: Date): Promise<Entitlement> {
  return (await readEntitlement(db, accountId, now)).entitlement;
}

export async function loadMeterContext(db: Queryable, accountId: string, meter: MeterId, now: Date): Promise<MeterContext> {
  return meterContext(await loadEntitlement(db, accountId, now), accountId, meter, now);
}

/**
 * A per-process cache of entitlements so that a consume is one round trip, never trusted blindly:
 * every statement that uses a cached entry re-checks in the database that none of the user's
 * subscription rows changed since (`updated_at` newer than the newest one seen) and that the user's
 * limit overrides are the ones it was built from (same count, none newer), so an admin's override
 * made on another instance applies at once too; it refuses to record if anything changed, and the
 * caller then reloads and goes again. Entries also end after a few seconds and before a grace
 * period does. Only for calls at the current time (tests pass `now`).
 */
export interface CachedEntitlement {
  entitlement: Entitlement;
  /** The newest `subscriptions.updated_at` of the user when loaded (exact text), or null when none. */
  newestUpdate: string | null;
  /** The user's limit overrides when loaded: how many, and the newest `updated_at` (exact text). */
  overrides: { count: number; newestUpdate: string | null };
  validUntil: number;
}

const ENTITLEMENT_TTL_MS = 5_000;
const MAX_CACHED = 10_000;
const entitlementCache = new Map<string, CachedEntitlement>();

const cacheStats = { hits: 0, loads: 0, stale: 0 };

/** How the per-process entitlement cache is doing (hits, loads, entries found stale): for tests and diagnostics. */
export function entitlementCacheStats(): Readonly<typeof cacheStats> {
  return { ...cacheStats };
}

export function cachedEntitlement(accountId: string): CachedEntitlement | undefined {
  const entry = entitlementCache.get(accountId);
  if (entry && entry.validUntil > Date.now()) {
    cacheStats.hits += 1;
    return entry;
  }
  if (entry) entitlementCache.delete(accountId);
  return undefined;
}

export function forgetEntitlement(accountId: string): void {
  entitlementCache.delete(accountId);
}

/** A statement found the cached entry stale (a subscription changed since it was loaded). */
export function dropStaleEntitlement(accountId: string): void {
  cacheStats.stale += 1;
  entitlementCache.delete(accountId);
}

/**
 * Has the cached entitlement gone stale: a subscription updated since its newest update, or the
 * limit overrides not the ones it was built from (one added or removed changes the count, one
 * changed is newer)? SQL text over four placeholders, for statements that guard a cached entry.
 */
export const staleSince = (user: string, newest: string, overrideCount: string, overridesNewest: string) => `(
  exists (select 1 from subscriptions s where s.account_id = ${user}::uuid and s.updated_at > coalesce(${newest}::timestamptz, '-infinity'))
  or case when ${overrideCount}::bigint = 0
    then exists (select 1 from customer_limit_overrides o where o.account_id = ${user}::uuid)
    else (select count(*) <> ${overrideCount}::bigint or coalesce(bool_or(o.updated_at > coalesce(${overridesNewest}::timestamptz, '-infinity')), false)
      from customer_limit_overrides o where o.account_id = ${user}::uuid) end)`;

const STALE_STATEMENT = `select ${staleSince("$1", "$2", "$3", "$4")} as stale`;

/**
 * The entitlement in force now, from the per-process cache when one cheap indexed read shows that
 * nothing it was built from changed (no subscription row updated since, the same limit overrides),
 * else loaded afresh. For reads that are not followed by a guarded statement of their own, such as
 * the entitlements API.
 */
export async function currentEntitlement(db: Queryable, accountId: string): Promise<CachedEntitlement> {
  const cached = cachedEntitlement(accountId);
  if (cached) {
    const [row] = await selectPreparedText<{ stale: boolean }>(db, "entitlement_stale", STALE_STATEMENT, [
      accountId,
      cached.newestUpdate,
      cached.overrides.count,
      cached.overrides.newestUpdate,
    ]);
    if (!row?.stale) return cached;
    dropStaleEntitlement(accountId);
  }
  return loadCachedEntitlement(db, accountId);
}

/** The user's subscriptions, each with its exact `updated_at`. */
async function subscriptionsWithExactUpdate(db: Queryable, accountId: string) {
  return db
    .select({ ...getTableColumns(subscriptions), exactUpdate: exactTimestamp(subscriptions.updatedAt) })
    .from(subscriptions)
    .where(eq(subscriptions.accountId, accountId))
    .orderBy(desc(subscriptions.createdAt));
}

/** The newest of fixed-format UTC timestamps (they sort as text), or null. */
function newestTimestamp(values: string[]): string | null {
  return values.reduce<string | null>((max, v) => (max === null || v > max ? v : max), null);
}

type EntitlementRead = Pick<CachedEntitlement, "entitlement" | "newestUpdate" | "overrides">;

/** The entitlement, with what the cache guard compares: the newest subscription update and the overrides' count and newest update. */
async function readEntitlement(db: Queryable, accountId: string, now: Date): Promise<EntitlementRead> {
  const [rows, overrides] = await Promise.all([subscriptionsWithExactUpdate(db, accountId), readLimitOverrides(db, accountId)]);
  return {
    entitlement: resolveEntitlement(rows, now, gracePeriodDays(), overrides),
    newestUpdate: newestTimestamp(rows.map((r) => r.exactUpdate)),
    overrides: { count: overrides.length, newestUpdate: newestTimestamp(overrides.map((o) => o.exactUpdate)) },
  };
}

/** Loads the entitlement fresh and caches it with the newest update it reflects. */
export async function loadCachedEntitlement(db: Queryable, accountId: string): Promise<CachedEntitlement> {
  const now = new Date();
  cacheStats.loads += 1;
  const read = await readEntitlement(db, accountId, now);
  const graceEnd = read.entitlement.gracePeriodEndsAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const entry: CachedEntitlement = { ...read, validUntil: Math.min(now.getTime() + ENTITLEMENT_TTL_MS, graceEnd) };
  if (entitlementCache.size >= MAX_CACHED) entitlementCache.clear();
  entitlementCache.set(accountId, entry);
  return entry;
}
