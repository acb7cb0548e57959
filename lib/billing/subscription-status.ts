/**
 * Subscription statuses: the one place they are spelled out, and the named groups the code and
 * the SQL decide with (lib/billing/subscription-status-sql.ts renders a group for a query; the
 * migration's `subscription_mrr` function spells PAYING, checked by tests/unit/subscription-status.test.ts).
 * A status is the provider's, stored verbatim (`subscriptions.status`); Stripe's are the vocabulary,
 * and another provider's statuses are mapped to them (lib/billing/provider-ingest.ts).
 *
 * Pure and client-safe: no database, no Stripe call.
 */
/** Every status a subscription row may hold (Stripe's, in the order the schema lists them). */
export const SUBSCRIPTION_STATUSES = [
  "trialing",
  "active",
  "past_due",
  "canceled",
  "unpaid",
  "incomplete",
  "incomplete_expired",
  "paused",
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Each status by name, for the places that mean one of them (`status === SUBSCRIPTION_STATUS.trialing`). */
export const SUBSCRIPTION_STATUS = Object.fromEntries(SUBSCRIPTION_STATUSES.map((s) => [s, s])) as {
  readonly [S in SubscriptionStatus]: S;
};

/** A named group of statuses: read-only, and typed by its members. */
export type StatusGroup<S extends SubscriptionStatus = SubscriptionStatus> = readonly S[];

/**
 * In force: the subscription's plan applies now. Trialing, paid, or past due while the payment is
 * retried (entitlements then hold for the grace period, lib/billing/entitlements.ts). The customer
 * may act on it (change, cancel, resume); the admin lists call it current; its seats follow the members.
 */
export const IN_FORCE = ["active", "trialing", "past_due"] as const satisfies StatusGroup;

export type InForceStatus = (typeof IN_FORCE)[number];

/**
 * Paying: counted in MRR (a past-due subscription still owes and is retried). Trials are not: they
 * have paid nothing yet; a trial that converts becomes `active`.
 */
export const PAYING = ["active", "past_due"] as const satisfies StatusGroup;

/** Ended: the subscription will never bill or grant again (canceled, or its first payment expired). */
export const ENDED = ["canceled", "incomplete_expired"] as const satisfies StatusGroup;

/**
 * Not ended: every status but ENDED. The subscription exists at the provider and may still bill
 * (including unpaid, paused, and incomplete while the first payment is pending), so a second
 * checkout must not start, and the billing page acts on it.
 */
export const NOT_ENDED = ["incomplete", "trialing", "active", "past_due", "unpaid", "paused"] as const satisfies StatusGroup;

/** Never started: the first payment was never made (still pending, or expired). Not a sale, not a churn. */
export const NEVER_STARTED = ["incomplete", "incomplete_expired"] as const satisfies StatusGroup;

/**
 * Waiting for a card: a card-less trial (`trialing`) or one whose trial ended without a card
 * (`paused`, Stripe's `trial_settings.end_behavior.missing_payment_method: pause`).
 */
export const CARD_AWAITED = ["trialing", "paused"] as const satisfies StatusGroup;

export type CardAwaitedStatus = (typeof CARD_AWAITED)[number];

/** Owes money: the latest invoice failed (still retried, or given up on). */
export const PAYMENT_FAILED = ["past_due", "unpaid"] as const satisfies StatusGroup;

/** True when `status` is one of `group`; narrows it to the group's members. */
export function inGroup<S extends SubscriptionStatus>(group: StatusGroup<S>, status: string | null | undefined): status is S {
  return status != null && (group as readonly string[]).includes(status);
}

/** True when `status` is one the app knows (a row written by an older provider mapping may hold another). */
export const isSubscriptionStatus = (status: string): status is SubscriptionStatus => inGroup(SUBSCRIPTION_STATUSES, status);
