import "server-only";
import { logger } from "@/lib/logger";
import { paymentsMode } from "@/lib/stripe/client";
import { activePricesByLookupKey } from "@/lib/stripe/gateway";
import {
  FEATURES,
  INTERVALS,
  METERS,
  PLANS,
  lookupKeyFor,
  planOverage,
  type BillingInterval,
  type FeatureId,
  type MeterId,
  type Plan,
  type PlanLimit,
  type SeatBounds,
} from "./plans";

export interface PlanPriceView {
  amount: number;
  currency: string;
  lookupKey: string;
  /** An active Stripe price with this lookup key exists, so Checkout can sell it. */
  available: boolean;
}

export interface PlanView {
  id: string;
  name: string;
  description: string;
  rank: number;
  purchasable: boolean;
  contactSales: boolean;
  trialDays: number;
  /** The trial can start without a card, from the pricing page (POST /api/billing/trial). */
  trialWithoutCard: boolean;
  features: Record<FeatureId, boolean>;
  limits: Record<MeterId, PlanLimit>;
  /** Priced per seat (prices are per seat per interval), with the seats it may be bought for; null for flat prices. */
  seats: SeatBounds | null;
  /** What usage past a meter's monthly allowance costs, in words, for the meters the plan bills ("$0.02 per 1,000 tokens"). */
  overage: Partial<Record<MeterId, string>>;
  prices: Record<BillingInterval, PlanPriceView> | null;
}

/** The public catalog with Stripe's availability of each price (prices in minor units). */
export async function publicCatalog(): Promise<{
  plans: PlanView[];
  features: typeof FEATURES;
  meters: typeof METERS;
  paymentsEnabled: boolean;
}> {
  const publicPlans = PLANS.filter((p: Plan) => p.public) as Plan[];
  const keys = publicPlans.flatMap((p) => (p.prices ? INTERVALS.map((i) => lookupKeyFor(p.id, i)) : []));
  const paymentsEnabled = paymentsMode() !== "disabled";
  let available = new Set<string>();
  if (paymentsEnabled) {
    try {
      available = new Set((await activePricesByLookupKey(keys)).keys());
    } catch (error) {
      logger.warn({ err: error }, "could not load Stripe prices for the catalog");
    }
  }
  const plans = publicPlans.map((plan) => ({
    id: plan.id,
    name: plan.name,
    description: plan.description,
    rank: plan.rank,
    purchasable: plan.purchasable,
    contactSales: plan.contactSales ?? false,
    trialDays: plan.trialDays,
    trialWithoutCard: Boolean(plan.trialWithoutCard) && plan.trialDays > 0,
    features: plan.features,
    limits: plan.limits,
    seats: plan.seats ?? null,
    overage: planOverage(plan),
    prices: plan.prices
      ? (Object.fromEntries(
          INTERVALS.map((interval) => {
            const lookupKey = lookupKeyFor(plan.id, interval);
            return [interval, { amount: plan.prices![interval], currency: plan.currency, lookupKey, available: available.has(lookupKey) }];
          }),
        ) as Record<BillingInterval, PlanPriceView>)
      : null,
  }));
  return { plans, features: FEATURES, meters: METERS, paymentsEnabled };
}
