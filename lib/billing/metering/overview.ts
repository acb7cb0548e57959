import "server-only";
import { GAUGES, METERS, type GaugeId, type MeterId } from "../plans";
import { getLevels } from "./levels";
import { upgradeUrl } from "./quota-error";
import { getDb } from "@/db/client";
import { loadEntitlement } from "./context";
import { getQuota, getUsageHistories, type MeterQuota, type UsageHistory } from "./usage-reads";

export interface MeterOverview extends MeterQuota {
  id: MeterId;
  label: string;
  unit: string;
  /** 0–100 (capped); null when unlimited. */
  percent: number | null;
  /** `warning` from 80 %, `exceeded` at 100 %. */
  state: "ok" | "warning" | "exceeded" | "unlimited";
  history: UsageHistory["points"];
}

/** A gauge on the billing page: its level against the plan's maximum; it never resets. */
export interface LevelOverview {
  id: GaugeId;
  label: string;
  unit: string;
  level: number;
  limit: number | null;
  percent: number | null;
  state: MeterOverview["state"];
  /** Above the maximum after a downgrade. */
  over: boolean;
}

export interface UsageOverview {
  plan: { id: string; name: string };
  meters: MeterOverview[];
  levels: LevelOverview[];
  /** Where the upgrade prompts point. */
  upgradePath: string;
}

export const WARNING_PERCENT = 80;

export function meterState(used: number, limit: number | null): { percent: number | null; state: MeterOverview["state"] } {
  if (limit === null) return { percent: null, state: "unlimited" };
  const percent = limit === 0 ? 100 : Math.min(100, (used / limit) * 100);
  return { percent, state: percent >= 100 ? "exceeded" : percent >= WARNING_PERCENT ? "warning" : "ok" };
}

/**
 * The billing page's usage section in one read: every meter's quota and its daily usage this period,
 * and the gauges, all against one read of the entitlement, with one history query for every meter.
 */
export async function getUsageOverview(accountId: string, now = new Date()): Promise<UsageOverview> {
  const entitlement = await loadEntitlement(await getDb(), accountId, now);
  const [quota, levels] = await Promise.all([getQuota(accountId, now, entitlement), getLevels(accountId, entitlement)]);
  const ids = Object.keys(quota.meters) as MeterId[];
  // Every meter counts in the account's one usage period (meterContext), shown up to now: today is
  // the last day (a day still to come would be an empty bar).
  const { periodStart, resetsAt } = quota.meters[ids[0]];
  const histories = await getUsageHistories(
    accountId,
    ids,
    new Date(periodStart),
    new Date(Math.min(Date.parse(resetsAt), now.getTime() + 1)),
  );
  const meters = ids.map((id): MeterOverview => {
    const m = quota.meters[id];
    return { ...m, id, label: METERS[id].label, unit: METERS[id].unit, ...meterState(m.used, m.limit), history: histories.get(id)!.points };
  });
  const levelRows = Object.values(levels).map((l): LevelOverview => ({
    id: l.gauge,
    label: GAUGES[l.gauge].label,
    unit: GAUGES[l.gauge].unit,
    level: l.level,
    limit: l.limit,
    over: l.over,
    ...meterState(l.level, l.limit),
  }));
  return {
    plan: quota.plan,
    meters,
    levels: levelRows,
    upgradePath: new URL(upgradeUrl(quota.plan.id)).pathname + new URL(upgradeUrl(quota.plan.id)).hash,
  };
}
