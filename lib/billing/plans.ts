import type { PlanConstants } from "./plan-constants";

/**
 * The plan catalog: the single source of truth for what is sold and what each plan allows.
 * Stripe prices are found by lookup key (`pro_monthly`, `pro_yearly`, …), so no price ID is ever
 * copied into configuration. After editing this file run `npm run stripe:setup`.
 */

/** What happens when a subject reaches a meter's limit. */
export type OveragePolicy =
  /** Refuse (HTTP 402 `quota_exceeded`) once the limit is reached. */
  | "block"
  /**
   * Allow past the included amount on paid plans and bill the excess through a Stripe metered
   * price (Billing Meters). Plans without a subscription (Free) still block.
   */
  | "bill";

export interface MeterDefinition {
  label: string;
  unit: string;
  overage: OveragePolicy;
  /**
   * When the database cannot be reached: `false` (the default, fail closed) refuses with 503
   * `database_unavailable`; `true` lets the call through unrecorded.
   */
  failOpen?: boolean;
  /**
   * Percentages of the limit at which owners and admins are warned, once per usage window each
   * (email, banner, event): lib/billing/metering/alerts.ts. Default `[80, 100]`; `[]` for none.
   */
  alertThresholds?: readonly number[];
  /**
   * For `bill` meters: the Stripe Billing Meter and its metered prices, one per billing interval
   * (every price on a subscription bills on the plan's interval), which `npm run stripe:setup`
   * creates and every paid subscription carries beside its plan price.
   */
  stripe?: {
    eventName: string;
    /** The metered prices' lookup keys per interval, e.g. `tokens_overage` / `tokens_overage_yearly`. */
    lookupKeys: Record<BillingInterval, string>;
    /** Price per unit in minor units, as a decimal string (`"0.002"` = $0.00002 per token). */
    unitAmountDecimal: string;
  };
  /**
   * Prepaid credits (lib/billing/credits): packs of units bought in advance with a one-time Checkout
   * payment (or an auto top-up), which `consume` draws once the plan's included amount is used up.
   * Only on `block` meters (on a `bill` meter the excess is billed instead). Pack ids are unique
   * across meters.
   */
  prepaid?: { packs: readonly CreditPack[] };
}

/** A pack of prepaid units and its one-time price in minor units. */
export interface CreditPack {
  id: string;
  units: number;
  amount: number;
  currency: "usd";
}

export const METERS = {
  api_calls: {
    label: "API calls",
    unit: "calls",
    overage: "block",
    prepaid: {
      packs: [
        { id: "api_calls_10k", units: 10_000, amount: 500, currency: "usd" },
        { id: "api_calls_100k", units: 100_000, amount: 4_000, currency: "usd" },
      ],
    },
  },
  tokens: {
    label: "AI tokens",
    unit: "tokens",
    overage: "bill",
    stripe: { eventName: "ai_tokens", lookupKeys: { month: "tokens_overage", year: "tokens_overage_yearly" }, unitAmountDecimal: "0.002" },
  },
  jobs: {
    label: "Jobs",
    unit: "jobs",
    overage: "block",
    prepaid: {
      packs: [
        { id: "jobs_100", units: 100, amount: 500, currency: "usd" },
        { id: "jobs_1000", units: 1_000, amount: 4_000, currency: "usd" },
      ],
    },
  },
} as const satisfies Record<string, MeterDefinition>;
export type MeterId = keyof typeof METERS;
export const METER_IDS = Object.keys(METERS) as MeterId[];

/**
 * Gauges: what an account has rather than what it did (a level, not a count), such as projects or
 * storage. Set or moved by the product (lib/billing/metering/levels.ts), checked against the plan's
 * maximum (`Plan.levels`) on every increase, and never reset by a period.
 */
export const GAUGES = {
  projects: { label: "Projects", unit: "projects" },
  storage: { label: "Storage", unit: "MB" },
} as const satisfies Record<string, { label: string; unit: string }>;
export type GaugeId = keyof typeof GAUGES;
export const GAUGE_IDS = Object.keys(GAUGES) as GaugeId[];

export function isGaugeId(id: string): id is GaugeId {
  return Object.hasOwn(GAUGES, id);
}

export function isMeterId(id: string): id is MeterId {
  return Object.hasOwn(METERS, id);
}

export const meterDefinition = (meter: MeterId): MeterDefinition => METERS[meter];

/**
 * What signed-out visitors may use before signing up, per meter (absent = nothing), keyed by a
 * signed cookie id and capped per IP address at `perIp` times the allowance.
 */
export const ANONYMOUS_ALLOWANCE: { limits: Partial<Record<MeterId, number>>; perIp: number } = {
  limits: { jobs: 3 },
  perIp: 3,
};

export const INTERVALS = ["month", "year"] as const;
export type BillingInterval = (typeof INTERVALS)[number];

export const FEATURES = {
  projects: "Unlimited projects",
  apiAccess: "API access",
  prioritySupport: "Priority support",
  sso: "SAML single sign-on",
  auditLog: "Audit log",
  sla: "99.9% uptime SLA",
} as const;
export type FeatureId = keyof typeof FEATURES;

/**
 * A plan's allowance for one meter per month: a number, null (unlimited), or, on a plan priced per
 * seat, an amount per seat that the subscription's quantity multiplies (`{ perSeat: 1_000 }` is
 * 1,000 per seat: 3 seats, 3,000).
 */
export type PlanLimit = number | null | { perSeat: number };

/** The seats a per-seat plan may be bought for: its quantity is the account's member count within these bounds. */
export interface SeatBounds {
  min: number;
  max: number;
}

export type TrialEndBehavior = "cancel" | "pause";

/** The windows a meter's use may be capped in besides the billing period: the UTC day and the UTC clock hour. */
export const WINDOW_KINDS = ["day", "hour"] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

export interface Plan {
  id: string;
  name: string;
  description: string;
  /** Position on the upgrade ladder: a higher rank is an upgrade. */
  rank: number;
  /** Prices in minor units (per seat on a plan with `seats`); null for plans that are not sold self-serve. */
  prices: { month: number; year: number } | null;
  /**
   * Priced per seat: the Stripe subscription item's quantity is the number of seats, kept equal to
   * the account's members (lib/billing/seats.ts) within these bounds. Absent: one flat price.
   */
  seats?: SeatBounds;
  currency: "usd";
  trialDays: number;
  /**
   * The trial can also start without a card, from the pricing page (lib/billing/trial-start.ts): a
   * Stripe subscription of `trialDays` days whose end without a payment method is Stripe's
   * `trial_settings.end_behavior.missing_payment_method`: `cancel` (back on Free) or `pause` (Free's
   * entitlements until a card is added). Absent: trials go through Checkout only.
   */
  trialWithoutCard?: { endBehavior: TrialEndBehavior };
  features: Record<FeatureId, boolean>;
  /**
   * Quota per month (allowances renew monthly, also on yearly plans); null means unlimited; a
   * `{ perSeat }` limit (only on plans with `seats`) is multiplied by the subscription's seats.
   */
  limits: Record<MeterId, PlanLimit>;
  /**
   * Shorter windows capped besides the period, per meter (lib/billing/metering/windows.ts): `day` is
   * the UTC calendar day, `hour` the UTC clock hour (a fixed hour, not a rolling one). Each is
   * enforced in the same statement as the period limit; absent = no cap on that window.
   */
  windows?: Partial<Record<MeterId, Partial<Record<WindowKind, PlanLimit>>>>;
  /** The most each gauge may hold (null = unlimited; `{ perSeat }` scales with the seats like a limit). */
  levels: Record<GaugeId, PlanLimit>;
  /** Values that are neither meters nor features (history kept, models allowed, support): lib/billing/plan-constants.ts. */
  constants: PlanConstants;
  /** Can be bought through Checkout. */
  purchasable: boolean;
  /** Shown on the pricing page. */
  public: boolean;
  contactSales?: boolean;
}

const noFeatures: Record<FeatureId, boolean> = {
  projects: false,
  apiAccess: false,
  prioritySupport: false,
  sso: false,
  auditLog: false,
  sla: false,
};
const allFeatures: Record<FeatureId, boolean> = {
  projects: true,
  apiAccess: true,
  prioritySupport: true,
  sso: true,
  auditLog: true,
  sla: true,
};

export const PLANS = [
  {
    id: "free",
    name: "Free",
    description: "For trying things out. No card needed.",
    rank: 0,
    prices: null,
    currency: "usd",
    trialDays: 0,
    features: noFeatures,
    limits: { api_calls: 1_000, tokens: 50_000, jobs: 5 },
    levels: { projects: 3, storage: 500 },
    constants: { lookbackDays: 7, maxModels: 1, support: "community" },
    purchasable: false,
    public: true,
  },
  {
    id: "pro",
    name: "Pro",
    description: "For professionals shipping real products.",
    rank: 1,
    prices: { month: 1_900, year: 19_000 },
    currency: "usd",
    trialDays: 14,
    trialWithoutCard: { endBehavior: "cancel" },
    features: { ...noFeatures, projects: true, apiAccess: true },
    limits: { api_calls: 50_000, tokens: 2_000_000, jobs: 500 },
    windows: { api_calls: { day: 10_000, hour: 2_000 } },
    levels: { projects: null, storage: 10_000 },
    constants: { lookbackDays: 60, maxModels: 3, support: "email" },
    purchasable: true,
    public: true,
  },
  {
    id: "team",
    name: "Team",
    description: "For organizations: priced per member, with limits that grow with the team.",
    rank: 2,
    prices: { month: 1_200, year: 12_000 },
    seats: { min: 1, max: 50 },
    currency: "usd",
    trialDays: 0,
    features: { ...noFeatures, projects: true, apiAccess: true, auditLog: true },
    limits: { api_calls: { perSeat: 25_000 }, tokens: { perSeat: 1_000_000 }, jobs: { perSeat: 1_000 } },
    levels: { projects: null, storage: { perSeat: 5_000 } },
    constants: { lookbackDays: 90, maxModels: 5, support: "email" },
    purchasable: true,
    public: true,
  },
  {
    id: "scale",
    name: "Scale",
    description: "For teams with serious traffic.",
    rank: 3,
    prices: { month: 9_900, year: 99_000 },
    currency: "usd",
    trialDays: 0,
    features: { ...noFeatures, projects: true, apiAccess: true, prioritySupport: true, auditLog: true },
    limits: { api_calls: 1_000_000, tokens: 10_000_000, jobs: 10_000 },
    levels: { projects: null, storage: 100_000 },
    constants: { lookbackDays: 365, maxModels: 10, support: "priority" },
    purchasable: true,
    public: true,
  },
  {
    id: "enterprise",
    name: "Enterprise",
    description: "Custom limits, SSO and an SLA. Talk to us.",
    rank: 4,
    prices: null,
    currency: "usd",
    trialDays: 0,
    features: allFeatures,
    limits: { api_calls: null, tokens: null, jobs: null },
    levels: { projects: null, storage: null },
    constants: { lookbackDays: 730, maxModels: 50, support: "dedicated" },
    purchasable: false,
    public: true,
    contactSales: true,
  },
  {
    id: "staff",
    name: "Staff",
    description: "Internal accounts, granted by admins.",
    rank: 5,
    prices: null,
    currency: "usd",
    trialDays: 0,
    features: allFeatures,
    limits: { api_calls: null, tokens: null, jobs: null },
    levels: { projects: null, storage: null },
    constants: { lookbackDays: 730, maxModels: 50, support: "dedicated" },
    purchasable: false,
    public: false,
  },
] as const satisfies readonly Plan[];

export type PlanId = (typeof PLANS)[number]["id"];
export const FREE_PLAN_ID: PlanId = "free";

/**
 * A launch offer: the promotion code (made in the admin console, or in Stripe) the pricing page
 * advertises to every visitor and passes to Checkout, or null for none. `/pricing?promo=CODE` names
 * one for a single visit instead. Either is checked in Stripe before it is shown.
 */
export const LAUNCH_PROMOTION_CODE: string | null = null;

/**
 * How every catalog price states tax (Stripe's `tax_behavior`): "exclusive" adds tax on top of the listed price,
 * "inclusive" carves it out of it. Needed for Stripe Tax (STRIPE_TAX=on, lib/billing/tax-settings.ts); set on every
 * price `npm run stripe:setup` makes, whether tax is on or not. Stripe cannot change it once set: changing it here
 * makes new prices.
 */
export const PRICE_TAX_BEHAVIOR: "exclusive" | "inclusive" = "exclusive";

const byId = new Map<string, Plan>(PLANS.map((p) => [p.id, p]));

export function findPlan(id: string | null | undefined): Plan | undefined {
  return id ? byId.get(id) : undefined;
}

export function getPlan(id: string): Plan {
  const plan = byId.get(id);
  if (!plan) throw new Error(`Unknown plan "${id}"`);
  return plan;
}

/** The plan's seat bounds when it is priced per seat; null for flat-priced plans. */
export const seatBounds = (plan: Plan | undefined): SeatBounds | null => plan?.seats ?? null;

/** The quantity a subscription to `plan` carries for `members` members: 1 on flat plans, else members within the plan's bounds. */
export function seatQuantity(plan: Plan, members: number): number {
  const bounds = seatBounds(plan);
  return bounds ? Math.min(bounds.max, Math.max(bounds.min, members)) : 1;
}

/** A plan limit for a subscription with `seats` seats: a `{ perSeat }` limit times the seats (at least the plan's minimum). */
export function effectiveLimit(limit: PlanLimit, seats: number): number | null {
  if (limit === null || typeof limit === "number") return limit;
  return limit.perSeat * Math.max(1, Math.floor(seats));
}

/** Every meter's limit of `plan` for `seats` seats (1 on flat-priced plans, where it changes nothing). */
export function planLimitsFor(plan: Plan, seats = 1): Record<MeterId, number | null> {
  return Object.fromEntries(
    METER_IDS.map((meter) => [meter, effectiveLimit(plan.limits[meter], plan.seats ? Math.max(plan.seats.min, seats) : 1)]),
  ) as Record<MeterId, number | null>;
}

/** Every meter's window caps on `plan` for `seats` seats (only the windows the plan caps). */
export function planWindowLimitsFor(plan: Plan, seats = 1): Record<MeterId, Partial<Record<WindowKind, number>>> {
  const n = plan.seats ? Math.max(plan.seats.min, seats) : 1;
  return Object.fromEntries(
    METER_IDS.map((meter) => [
      meter,
      Object.fromEntries(
        WINDOW_KINDS.flatMap((kind) => {
          const limit = plan.windows?.[meter]?.[kind];
          const value = limit === undefined ? null : effectiveLimit(limit, n);
          return value === null ? [] : [[kind, value]];
        }),
      ),
    ]),
  ) as Record<MeterId, Partial<Record<WindowKind, number>>>;
}

/** Every gauge's maximum on `plan` for `seats` seats, as `planLimitsFor` does for meters. */
export function planLevelLimitsFor(plan: Plan, seats = 1): Record<GaugeId, number | null> {
  return Object.fromEntries(
    GAUGE_IDS.map((gauge) => [gauge, effectiveLimit(plan.levels[gauge], plan.seats ? Math.max(plan.seats.min, seats) : 1)]),
  ) as Record<GaugeId, number | null>;
}

export const purchasablePlans = (): Plan[] => PLANS.filter((p: Plan) => p.purchasable);

/** `pro` + `month` → `pro_monthly`. */
export function lookupKeyFor(planId: string, interval: BillingInterval): string {
  return `${planId}_${interval === "month" ? "monthly" : "yearly"}`;
}

/** `pro_monthly` → {plan: pro, interval: month}; undefined for keys outside the catalog. */
export function parseLookupKey(key: string | null | undefined): { plan: Plan; interval: BillingInterval } | undefined {
  const match = /^(.+)_(monthly|yearly)$/.exec(key ?? "");
  if (!match) return undefined;
  const plan = findPlan(match[1]);
  if (!plan?.prices) return undefined;
  return { plan, interval: match[2] === "monthly" ? "month" : "year" };
}

/** Every (plan, interval) pair sold through Stripe, with its lookup key and amount. */
export function catalogPrices(): Array<{ plan: Plan; interval: BillingInterval; lookupKey: string; unitAmount: number }> {
  return purchasablePlans().flatMap((plan) =>
    INTERVALS.map((interval) => ({
      plan,
      interval,
      lookupKey: lookupKeyFor(plan.id, interval),
      unitAmount: plan.prices ? plan.prices[interval] : 0,
    })),
  );
}

/**
 * The lookup keys of the metered prices a paid subscription on `interval` carries beside its plan
 * price: one per `bill` meter, so usage past the included amount reported to Stripe is invoiced.
 */
export function meteredLookupKeys(interval: BillingInterval): string[] {
  return (Object.values(METERS) as MeterDefinition[]).flatMap((m) =>
    m.overage === "bill" && m.stripe ? [m.stripe.lookupKeys[interval]] : [],
  );
}

/**
 * A `bill` meter's overage price in words, from its `unitAmountDecimal` (minor units per unit):
 * per the smallest power of ten of units that costs at least one minor unit, so "0.002" reads
 * "$0.02 per 1,000 tokens". Null for meters that block at the limit.
 */
export function overagePriceText(meter: MeterId, currency: string = PLANS[0].currency): string | null {
  const definition: MeterDefinition = METERS[meter];
  if (definition.overage !== "bill" || !definition.stripe) return null;
  const perUnit = Number(definition.stripe.unitAmountDecimal);
  let units = 1;
  while (perUnit * units < 1 && units < 1e12) units *= 10;
  const minor = Math.round(perUnit * units * 1e6) / 1e6;
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase(), maximumFractionDigits: 6 }).format(
    minor / 100,
  );
  const unit = units === 1 ? definition.unit.replace(/s$/, "") : definition.unit;
  return `${money} per ${units === 1 ? "" : `${new Intl.NumberFormat("en-US").format(units)} `}${unit}`;
}

/**
 * What a plan charges past each meter's included amount (`overagePriceText`), for the meters it
 * bills: only plans sold through Stripe with a finite limit (Free and unlimited plans never pay
 * overage; Free blocks at its limit).
 */
export function planOverage(plan: Plan): Partial<Record<MeterId, string>> {
  if (!plan.prices) return {};
  return Object.fromEntries(
    METER_IDS.flatMap((meter) => {
      const text = plan.limits[meter] === null ? null : overagePriceText(meter, plan.currency);
      return text ? [[meter, text]] : [];
    }),
  );
}

/** The description of a `bill` meter's Stripe product, which Checkout shows under the metered line. */
export function overageProductDescription(meter: MeterId): string | null {
  const text = overagePriceText(meter);
  return text ? `${METERS[meter].label} past the amount your plan includes each month: ${text}, billed in arrears.` : null;
}

/** The meters that sell prepaid credits. */
export const PREPAID_METER_IDS: MeterId[] = METER_IDS.filter((meter) => meterDefinition(meter).prepaid !== undefined);

export const isPrepaidMeter = (meter: MeterId): boolean =>
  meterDefinition(meter).prepaid !== undefined && meterDefinition(meter).overage === "block";

/** The packs a meter sells (none for meters without prepaid credits). */
export const creditPacks = (meter: MeterId): readonly CreditPack[] => meterDefinition(meter).prepaid?.packs ?? [];

/** A pack by id, with its meter; undefined for ids outside the catalog. */
export function findCreditPack(packId: string | null | undefined): { meter: MeterId; pack: CreditPack } | undefined {
  for (const meter of PREPAID_METER_IDS) {
    const pack = creditPacks(meter).find((p) => p.id === packId);
    if (pack) return { meter, pack };
  }
  return undefined;
}
