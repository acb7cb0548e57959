import "server-only";
import { GAUGES, METERS, type GaugeId, type MeterId } from "../plans";
import { getLevels } from "./levels";
import { upgradeUrl } from "./quota-error";
import { getQuota, getUsageHistory, type MeterQuota, type UsageHistory } from "./usage-reads";

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

/** The billing page's usage section in one read: every meter's quota and its daily usage this period. */
export async function getUsageOverview(accountId: string, now = new Date()): Promise<UsageOverview> {
  const [quota, levels] = await Promise.all([getQuota(accountId, now), getLevels(accountId)]);
  const meters = await Promise.all(
    (Object.keys(quota.meters) as MeterId[]).map(async (id): Promise<MeterOverview> => {
      const m = quota.meters[id];
      // Up to now: today is the last day shown (a day still to come would be an empty bar).
      const history = await getUsageHistory(
        accountId,
        id,
        new Date(m.periodStart),
        new Date(Math.min(Date.parse(m.resetsAt), now.getTime() + 1)),
      );
      return { ...m, id, label: METERS[id].label, unit: METERS[id].unit, ...meterState(m.used, m.limit), history: history.points };
    }),
  );
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
