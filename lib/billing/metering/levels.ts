import "server-only";
import { z } from "zod";
import { getDb, selectPreparedText, type Queryable } from "@/db/client";
import { accountIdInput } from "@/lib/accounts/access";
import { AppError, badRequest } from "@/lib/errors";
import type { Entitlement } from "../entitlements";
import { GAUGE_IDS, GAUGES, type GaugeId } from "../plans";
import {
  cachedEntitlement,
  currentEntitlement,
  dropStaleEntitlement,
  loadCachedEntitlement,
  staleSince,
  type CachedEntitlement,
} from "./context";
import { upgradeUrl } from "./quota-error";
import { num } from "./result";

/**
 * Gauges: levels, not counts (how many projects an account has, how much it stores). Unlike a
 * meter a gauge has no period: its one row per account (`usage_levels`) holds the level until the
 * product moves it. Every change is one statement that re-checks the plan's maximum under the row
 * lock, so concurrent increments never take a level past it; decreases are always allowed.
 *
 * After a downgrade below the current level nothing is deleted or refused retroactively: the level
 * stays, reads report it `over` the new maximum, increases are refused until it is back under, and
 * decreases go through. The product decides what "over" means for it (read-only, a banner, …).
 */

export const MAX_LEVEL = 1_000_000_000_000;

export interface LevelResult {
  gauge: GaugeId;
  level: number;
  /** Null = unlimited. */
  limit: number | null;
  remaining: number | null;
  /** Above the plan's maximum (after a downgrade): increases are refused until it is back under. */
  over: boolean;
  plan: { id: string; name: string };
}

const gauge = z.enum(GAUGE_IDS as [GaugeId, ...GaugeId[]], { message: `must be one of: ${GAUGE_IDS.join(", ")}` });
const level = z.number({ message: "must be a number" }).int("must be a whole number");

/** `{gauge, value}` sets the level; `{gauge, delta}` moves it. One or the other. */
export const levelChangeInput = z.union(
  [
    z.strictObject({
      gauge,
      value: level.min(0, "must be 0 or more").max(MAX_LEVEL, `must be at most ${MAX_LEVEL}`),
      accountId: accountIdInput,
    }),
    z.strictObject({
      gauge,
      delta: level
        .min(-MAX_LEVEL)
        .max(MAX_LEVEL)
        .refine((d) => d !== 0, "must not be 0"),
      accountId: accountIdInput,
    }),
  ],
  { message: "send {gauge, value} to set a level or {gauge, delta} to move it" },
);
export type LevelChangeInput = z.infer<typeof levelChangeInput>;

/**
 * $1 account, $2 gauge, $3 set (true) or move (false), $4 the value or delta, $5 the maximum (null =
 * unlimited), $6 guard a cached entitlement, $7–$9 what it was built from (see `staleSince`).
 * The new level must not be negative, and must be within the maximum unless it does not increase.
 */
const NEW_LEVEL = `(case when $3::boolean then $4::bigint else c.level + $4::bigint end)`;
const CHANGE_STATEMENT = `
  update usage_levels c set level = ${NEW_LEVEL}, updated_at = now()
  where c.account_id = $1::uuid and c.gauge = $2::text
    and ${NEW_LEVEL} >= 0
    and ($5::bigint is null or ${NEW_LEVEL} <= $5::bigint or ${NEW_LEVEL} <= c.level)
    and not ($6::boolean and ${staleSince("$1", "$7", "$8", "$9")})
  returning c.level`;

/** The row every change updates: created at level 0 on first use (a no-op afterwards). */
const ENSURE_ROW = `insert into usage_levels (account_id, gauge) values ($1::uuid, $2::text) on conflict do nothing`;

const READ_LEVEL = `select level from usage_levels where account_id = $1::uuid and gauge = $2::text`;

function resultOf(entitlement: Entitlement, gaugeId: GaugeId, current: number): LevelResult {
  const limit = entitlement.levelLimits[gaugeId];
  return {
    gauge: gaugeId,
    level: current,
    limit,
    remaining: limit === null ? null : Math.max(0, limit - current),
    over: limit !== null && current > limit,
    plan: { id: entitlement.plan.id, name: entitlement.plan.name },
  };
}

function levelLimitReached(result: LevelResult, requested: number): AppError {
  const { label, unit } = GAUGES[result.gauge];
  const fmt = (n: number) => n.toLocaleString("en-US");
  return new AppError(
    "level_limit_reached",
    `${label}: ${fmt(requested)} ${unit} is more than the ${fmt(result.limit ?? 0)} the ${result.plan.name} plan allows (now ${fmt(result.level)}). Upgrade for more, or remove some first.`,
    {
      gauge: result.gauge,
      level: result.level,
      requested,
      limit: result.limit,
      plan: result.plan.id,
      upgradeUrl: upgradeUrl(result.plan.id),
    },
  );
}

async function readLevel(db: Queryable, accountId: string, gaugeId: GaugeId): Promise<number | null> {
  const [row] = await selectPreparedText<{ level: unknown }>(db, "level_read", READ_LEVEL, [accountId, gaugeId]);
  return row ? num(row.level) : null;
}

async function change(accountId: string, gaugeId: GaugeId, set: boolean, amount: number): Promise<LevelResult> {
  const db = await getDb();
  let entry: CachedEntitlement | undefined = cachedEntitlement(accountId);
  let guarded = entry !== undefined;
  for (let attempt = 0; attempt < 4; attempt += 1) {
    entry ??= await loadCachedEntitlement(db, accountId);
    const limit = entry.entitlement.levelLimits[gaugeId];
    const [row] = await selectPreparedText<{ level: unknown }>(db, "level_change", CHANGE_STATEMENT, [
      accountId,
      gaugeId,
      set,
      amount,
      limit,
      guarded,
      entry.newestUpdate,
      entry.overrides.count,
      entry.overrides.newestUpdate,
    ]);
    if (row) return resultOf(entry.entitlement, gaugeId, num(row.level));
    const current = await readLevel(db, accountId, gaugeId);
    if (current === null) {
      await selectPreparedText(db, "level_ensure", ENSURE_ROW, [accountId, gaugeId]);
      continue;
    }
    const requested = set ? amount : current + amount;
    if (requested < 0)
      throw badRequest(`${GAUGES[gaugeId].label} cannot go below 0 (it is ${current}).`, { field: "delta", level: current });
    if (guarded) {
      // Refused, or built from an entitlement that changed since: reload once and decide on fresh data.
      dropStaleEntitlement(accountId);
      entry = undefined;
      guarded = false;
      continue;
    }
    throw levelLimitReached(resultOf(entry.entitlement, gaugeId, current), requested);
  }
  throw new AppError("conflict", "The level kept changing while it was being set. Please try again.");
}

/** Sets a gauge to `value` (projects now held, megabytes now stored): 402 `level_limit_reached` above the plan's maximum, unless it does not go up. */
export function setLevel(accountId: string, gaugeId: GaugeId, value: number): Promise<LevelResult> {
  if (!Number.isSafeInteger(value) || value < 0) throw badRequest("value must be a whole number of at least 0.", { field: "value" });
  return change(accountId, gaugeId, true, value);
}

/**
 * Moves a gauge by `delta` (+1 when a project is created, -1 when one is deleted), atomically
 * against concurrent moves: 402 `level_limit_reached` past the plan's maximum, 400 below zero.
 * Not idempotent: a retry after a lost answer moves it again, so reconcile with `setLevel` from
 * the product's own count where that matters.
 */
export function adjustLevel(accountId: string, gaugeId: GaugeId, delta: number): Promise<LevelResult> {
  if (!Number.isSafeInteger(delta) || delta === 0) throw badRequest("delta must be a whole number other than 0.", { field: "delta" });
  return change(accountId, gaugeId, false, delta);
}

/** Every gauge of an account with its maximum and whether it is over it (against `known`, when the caller has read the entitlement). */
export async function getLevels(accountId: string, known?: Entitlement): Promise<Record<GaugeId, LevelResult>> {
  const db = await getDb();
  const [entitlement, rows] = await Promise.all([
    known ?? currentEntitlement(db, accountId).then((cached) => cached.entitlement),
    selectPreparedText<{ gauge: string; level: unknown }>(
      db,
      "levels_read",
      `select gauge, level from usage_levels where account_id = $1::uuid`,
      [accountId],
    ),
  ]);
  const levels = new Map(rows.map((r) => [r.gauge, num(r.level)]));
  return Object.fromEntries(GAUGE_IDS.map((g) => [g, resultOf(entitlement, g, levels.get(g) ?? 0)])) as Record<GaugeId, LevelResult>;
}
