import { classifyChange } from "@/lib/billing/plan-change-policy";
import { effectiveLimit, FEATURES, findPlan, METERS, type BillingInterval, type FeatureId, type MeterId } from "@/lib/billing/plans";
import { formatLimit } from "@/lib/format";

type Selection = { planId: string; interval: BillingInterval | null };

/** What a plan change gives and takes away, from the catalog (features and limits of both plans). */
export interface PlanDifference {
  gains: string[];
  loses: string[];
}

const rank = (planId: string) => findPlan(planId)?.rank ?? 0;

/** Features and limits of `to` that `from` lacks (gains) and the reverse (loses). */
export function planDifference(fromPlanId: string, toPlanId: string): PlanDifference {
  const from = findPlan(fromPlanId);
  const to = findPlan(toPlanId);
  if (!from || !to || from.id === to.id) return { gains: [], loses: [] };
  const gains: string[] = [];
  const loses: string[] = [];
  for (const feature of Object.keys(FEATURES) as FeatureId[]) {
    if (to.features[feature] && !from.features[feature]) gains.push(FEATURES[feature]);
    if (from.features[feature] && !to.features[feature]) loses.push(FEATURES[feature]);
  }
  for (const meter of Object.keys(METERS) as MeterId[]) {
    const a = from.limits[meter];
    const b = to.limits[meter];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    // A per-seat limit compares at one seat (what the smallest team gets).
    const [least, most] = [effectiveLimit(a, 1), effectiveLimit(b, 1)];
    const more = least !== null && (most === null || most > least);
    const text = `${METERS[meter].label}: ${formatLimit(a, METERS[meter].unit)} → ${formatLimit(b, METERS[meter].unit)}`;
    (more ? gains : loses).push(text);
  }
  return { gains, loses };
}

/**
 * The change-plan table's label for a target: what kind of change it is (by the plans' rank, or
 * the billing interval on the same plan) and when it applies, by the plan-change policy
 * (`classifyChange`): "Downgrade, starts now" for Scale monthly → Pro yearly, whose features end
 * at once although the yearly price is higher.
 */
export function planChangeLabel(current: Selection, target: { planId: string; interval: BillingInterval }): string {
  const when = classifyChange(current, target) === "downgrade" ? "at period end" : "starts now";
  const kind =
    rank(target.planId) > rank(current.planId)
      ? "Upgrade"
      : rank(target.planId) < rank(current.planId)
        ? "Downgrade"
        : target.interval === "year"
          ? "Yearly billing"
          : "Monthly billing";
  return `${kind}, ${when}`;
}
