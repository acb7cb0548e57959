import "server-only";
import { getDb } from "@/db/client";
import { AppError } from "@/lib/errors";
import { loadEntitlement } from "./metering/context";
import { upgradeUrl } from "./metering/quota-error";
import { FEATURES, PLANS, type FeatureId, type Plan } from "./plans";

/** The public plans that include a feature, cheapest first. */
export function plansWithFeature(feature: FeatureId): string[] {
  return PLANS.filter((p: Plan) => p.public && p.features[feature]).map((p) => p.id);
}

/**
 * Throws 403 `feature_not_in_plan` (naming the plans that include it) unless the plan in force
 * for the user includes `feature`.
 */
export async function requireFeature(accountId: string, feature: FeatureId, now = new Date()): Promise<void> {
  const entitlement = await loadEntitlement(await getDb(), accountId, now);
  if (entitlement.features[feature]) return;
  throw new AppError("feature_not_in_plan", `${FEATURES[feature]} is not included in the ${entitlement.plan.name} plan.`, {
    feature,
    plan: entitlement.plan.id,
    plans: plansWithFeature(feature),
    upgradeUrl: upgradeUrl(entitlement.plan.id),
  });
}
