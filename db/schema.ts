import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
const ts = (name: string) => timestamp(name, { withTimezone: true });

export const USER_ROLES = ["user", "admin"] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Always stored lower-cased; see lib/auth/users.ts. */
    email: text("email").notNull().unique(),
    name: text("name"),
    /** Null for users who only ever signed in through an OAuth provider. */
    passwordHash: text("password_hash"),
    role: text("role").$type<UserRole>().notNull().default("user"),
    /** When the owner proved they read this address; admin rights and OAuth linking require it. */
    emailVerifiedAt: ts("email_verified_at"),
    /** Sessions carry the version they were issued under; bumping it revokes every session of the user. */
    sessionVersion: integer("session_version").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("users_created_at_id_idx").on(t.createdAt, t.id), index("users_email_prefix_idx").on(t.email.op("text_pattern_ops"))],
);

export const ACCOUNT_KINDS = ["personal", "organization"] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/**
 * The billing subject: who has a Stripe customer, subscriptions, invoices, usage, API keys and limit
 * overrides. Either a person's own (`personal`: created with the user by a database trigger, with
 * the user's id as its id and the user as its only owner) or an `organization` whose members share
 * its plan and quotas. See docs/architecture.md, "The billing subject: accounts".
 */
export const accounts = pgTable(
  "accounts",
  {
    /** For a personal account, the id of its user (migration 0011 backfilled it so, in place). */
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").$type<AccountKind>().notNull(),
    name: text("name").notNull(),
    /** The person a personal account belongs to; null for organizations. */
    personalUserId: uuid("personal_user_id").references(() => users.id, { onDelete: "cascade" }),
    /**
     * Minor units per month of the account's current subscription, kept by a database trigger on
     * `subscriptions` (migrations 0006, 0011) so the admin list can sort 100,000 customers by MRR
     * from an index. Never written by the app.
     */
    currentMrr: bigint("current_mrr", { mode: "number" }).notNull().default(0),
    /**
     * A personal account's person's address (null for organizations), kept by the same triggers on
     * `users` that keep its name (migration 0012), so the admin list searches and sorts 100,000
     * accounts by email or name from this table's indexes. Never written by the app.
     */
    personEmail: text("person_email"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("accounts_personal_user_id_key").on(t.personalUserId),
    // Admin customer list: keyset pagination by "customer since" and by MRR.
    index("accounts_created_at_id_idx").on(t.createdAt, t.id),
    index("accounts_current_mrr_id_idx").on(t.currentMrr, t.id),
    // Admin customer list: sort by email (a person's address, an organization's name) and search
    // by the start of either.
    index("accounts_sort_email_id_idx").on(sql`coalesce(${t.personEmail}, lower(${t.name}))`, t.id),
    index("accounts_person_email_prefix_idx").on(t.personEmail.op("text_pattern_ops")),
    index("accounts_name_prefix_idx").on(sql`lower(${t.name}) text_pattern_ops`),
  ],
);

export const MEMBERSHIP_ROLES = ["owner", "admin", "member"] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

/** Who belongs to an account, and as what. A personal account has exactly one: its user, as owner. */
export const memberships = pgTable(
  "memberships",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<MembershipRole>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index("memberships_user_id_idx").on(t.userId)],
);

/**
 * An invitation to join an organization: single use, 7 days, revocable, for one email address.
 * Only the SHA-256 of its token is stored.
 */
export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** Lower-cased. */
    email: text("email").notNull(),
    role: text("role").$type<MembershipRole>().notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: ts("expires_at").notNull(),
    acceptedAt: ts("accepted_at"),
    acceptedBy: uuid("accepted_by").references(() => users.id, { onDelete: "set null" }),
    revokedAt: ts("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [index("invitations_account_id_idx").on(t.accountId, t.createdAt), index("invitations_email_idx").on(t.email)],
);

/**
 * Which OAuth identity (GitHub or Google account id) signs in as which user: recorded when a
 * sign-in creates or links the account, so the same identity signs in again even when its provider
 * does not vouch for the address (GitHub), while another identity still needs that vouching.
 */
export const oauthIdentities = pgTable(
  "oauth_identities",
  {
    provider: text("provider").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerAccountId] }), index("oauth_identities_user_id_idx").on(t.userId)],
);

/**
 * A single-use link emailed to a user (verification, password reset): only the SHA-256 of its token
 * is stored, and it acts only for the address it was sent to (a link for an address the user no
 * longer has does nothing).
 */
const emailLinkColumns = () => ({
  id: uuid("id").primaryKey().defaultRandom(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  email: text("email").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  expiresAt: ts("expires_at").notNull(),
  usedAt: ts("used_at"),
  createdAt: createdAt(),
});

/** Single-use email verification links; only the SHA-256 of the token is stored. */
export const emailVerificationTokens = pgTable(
  "email_verification_tokens",
  {
    ...emailLinkColumns(),
  },
  (t) => [index("email_verification_tokens_user_id_idx").on(t.userId)],
);

/**
 * Single-use password reset links (1 hour); only the SHA-256 of the token is stored. Following one
 * proves the address, so it also claims the account (lib/auth/account-claim.ts).
 */
export const passwordResetTokens = pgTable(
  "password_reset_tokens",
  {
    ...emailLinkColumns(),
  },
  (t) => [index("password_reset_tokens_user_id_idx").on(t.userId)],
);

/** Rate-limit counters shared by every server instance (rate-limiter-flexible's Drizzle store). */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    points: integer("points").notNull().default(0),
    expire: ts("expire"),
  },
  (t) => [index("rate_limits_expire_idx").on(t.expire)],
);

/** A customer's tax ID (VAT, GST, …) as Stripe names it: `eu_vat` / `DE123456789`. */
export interface CustomerTaxId {
  type: string;
  value: string;
}

/** One tax line of an invoice: Stripe's `total_taxes` entry, with the rate's name and percentage. */
export interface InvoiceTaxLine {
  /** Minor units; 0 for reverse charge or where the seller does not collect. */
  amount: number;
  /** The rate's percentage (20 for 20 %), null when no rate applied. */
  rate: number | null;
  /** "VAT", "GST", "Sales Tax", … ("Tax" when the rate is unknown). */
  displayName: string;
  /** Included in the price (true) or added on top (false). */
  inclusive: boolean;
  /** Stripe's taxability reason: standard_rated, reverse_charge, not_collecting, … */
  reason: string | null;
  /** The rate's jurisdiction (DE, US-CA, …), when there is a rate. */
  jurisdiction: string | null;
}

/** One payment-provider customer per user (Stripe today). */
export const billingCustomers = pgTable(
  "billing_customers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    provider: text("provider").notNull().default("stripe"),
    providerCustomerId: text("provider_customer_id").notNull(),
    email: text("email"),
    /** The customer's tax IDs as Stripe has them (customer events and the billing details form keep it current). */
    taxIds: jsonb("tax_ids").$type<CustomerTaxId[]>().notNull().default([]),
    /** When `tax_ids` was read from Stripe (ms): an older read never overwrites a newer one. */
    taxIdsVersion: bigint("tax_ids_version", { mode: "number" }).notNull().default(0),
    deletedAt: ts("deleted_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("billing_customers_account_id_key").on(t.accountId),
    uniqueIndex("billing_customers_provider_customer_key").on(t.provider, t.providerCustomerId),
  ],
);

/**
 * A short claim on creating a user's Stripe customer: every concurrent first click reads the same
 * idempotency key from here, so Stripe creates one customer and no lock is held across the call.
 * `generation` is the customer it replaces ("first", or the id of a deleted one).
 */
export const billingCustomerClaims = pgTable("billing_customer_claims", {
  accountId: uuid("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  generation: text("generation").notNull(),
  idempotencyKey: text("idempotency_key").notNull(),
  createdAt: createdAt(),
});

/**
 * The trial each account and each Stripe customer may have once, whichever way it starts (Checkout or
 * card-less). A card-less start claims its row with a conditional insert before calling Stripe, so of
 * two concurrent starts (two instances, two tabs) exactly one gets the trial.
 */
export const trialUses = pgTable(
  "trial_uses",
  {
    accountId: uuid("account_id")
      .primaryKey()
      .references(() => accounts.id, { onDelete: "cascade" }),
    providerCustomerId: text("provider_customer_id").notNull(),
    planId: text("plan_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("trial_uses_provider_customer_key").on(t.providerCustomerId)],
);

export const subscriptions = pgTable(
  "subscriptions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    billingCustomerId: uuid("billing_customer_id").references(() => billingCustomers.id, {
      onDelete: "set null",
    }),
    /** "stripe", or any other provider synced through /api/internal/subscription/sync. */
    provider: text("provider").notNull().default("stripe"),
    providerSubscriptionId: text("provider_subscription_id").notNull(),
    /** Provider status verbatim: trialing, active, past_due, canceled, unpaid, incomplete, incomplete_expired, paused. */
    status: text("status").notNull(),
    planId: text("plan_id").notNull(),
    priceId: text("price_id"),
    priceLookupKey: text("price_lookup_key"),
    interval: text("interval").$type<"month" | "year">(),
    quantity: integer("quantity").notNull().default(1),
    unitAmount: integer("unit_amount"),
    currency: text("currency"),
    currentPeriodStart: ts("current_period_start"),
    currentPeriodEnd: ts("current_period_end"),
    /**
     * Stripe's billing_cycle_anchor: the moment periods are counted from. Allowances renew monthly
     * on it, also on yearly plans (lib/billing/metering/periods.ts); null for other providers.
     */
    billingCycleAnchor: ts("billing_cycle_anchor"),
    trialStart: ts("trial_start"),
    trialEnd: ts("trial_end"),
    cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
    cancelAt: ts("cancel_at"),
    canceledAt: ts("canceled_at"),
    endedAt: ts("ended_at"),
    /** When the subscription entered past_due; the grace period is counted from here. */
    pastDueSince: ts("past_due_since"),
    /** A change that takes effect at the period end (downgrades), via a subscription schedule. */
    scheduleId: text("schedule_id"),
    pendingPlanId: text("pending_plan_id"),
    pendingInterval: text("pending_interval").$type<"month" | "year">(),
    pendingChangeAt: ts("pending_change_at"),
    /** Seats the schedule lowers the quantity to at the period end (a removed member); null when none. */
    pendingQuantity: integer("pending_quantity"),
    /**
     * Monotonic version of the provider state this row reflects. Writes that carry an older
     * version are ignored, which is what makes out-of-order webhooks harmless.
     */
    sourceVersion: bigint("source_version", { mode: "number" }).notNull().default(0),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("subscriptions_provider_subscription_key").on(t.provider, t.providerSubscriptionId),
    index("subscriptions_account_id_idx").on(t.accountId),
    index("subscriptions_billing_customer_id_idx").on(t.billingCustomerId),
    index("subscriptions_status_idx").on(t.status),
  ],
);

export const invoices = pgTable(
  "invoices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id").references(() => accounts.id, { onDelete: "set null" }),
    billingCustomerId: uuid("billing_customer_id").references(() => billingCustomers.id, {
      onDelete: "set null",
    }),
    provider: text("provider").notNull().default("stripe"),
    providerInvoiceId: text("provider_invoice_id").notNull(),
    providerCustomerId: text("provider_customer_id"),
    providerSubscriptionId: text("provider_subscription_id"),
    number: text("number"),
    status: text("status").notNull(),
    billingReason: text("billing_reason"),
    currency: text("currency").notNull(),
    /** Integer minor units (cents). */
    subtotal: integer("subtotal").notNull().default(0),
    total: integer("total").notNull().default(0),
    amountDue: integer("amount_due").notNull().default(0),
    amountPaid: integer("amount_paid").notNull().default(0),
    amountRemaining: integer("amount_remaining").notNull().default(0),
    /** Credit notes issued after payment (refunds): revenue is amount_paid minus this. */
    amountRefunded: integer("amount_refunded").notNull().default(0),
    attemptCount: integer("attempt_count").notNull().default(0),
    nextPaymentAttempt: ts("next_payment_attempt"),
    hostedInvoiceUrl: text("hosted_invoice_url"),
    invoicePdf: text("invoice_pdf"),
    periodStart: ts("period_start"),
    periodEnd: ts("period_end"),
    paidAt: ts("paid_at"),
    /** The invoice's tax lines (Stripe's `total_taxes`, with each rate's name and percentage). */
    taxes: jsonb("taxes").$type<InvoiceTaxLine[]>().notNull().default([]),
    /** The customer's tax IDs printed on the invoice (Stripe's `customer_tax_ids`). */
    customerTaxIds: jsonb("customer_tax_ids").$type<CustomerTaxId[]>().notNull().default([]),
    providerCreatedAt: ts("provider_created_at").notNull(),
    sourceVersion: bigint("source_version", { mode: "number" }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("invoices_provider_invoice_key").on(t.provider, t.providerInvoiceId),
    index("invoices_account_id_created_idx").on(t.accountId, t.providerCreatedAt),
    index("invoices_billing_customer_id_idx").on(t.billingCustomerId),
    // Admin invoice list: newest first with keyset pagination (created, id), optionally by status.
    index("invoices_provider_created_idx").on(t.providerCreatedAt, t.id),
    index("invoices_status_idx").on(t.status, t.providerCreatedAt, t.id),
  ],
);

/**
 * Every recorded unit of usage. Partitioned by UTC month of `created_at` (db/migrations/0021, kept by
 * lib/billing/metering/storage.ts: partitions created ahead, a DEFAULT partition so an insert never
 * fails, old days rolled up into `usage_daily`, raw events dropped past USAGE_RETENTION_MONTHS once
 * reported). drizzle-kit cannot express the partitioning: the migration is hand-written. A unique
 * index of a partitioned table must include the partition key, so the idempotency key is enforced
 * by `usage_event_keys` (a trigger writes it with the event, in the same statement).
 */
export const usageEvents = pgTable(
  "usage_events",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    /** Negative for refunds. */
    quantity: bigint("quantity", { mode: "number" }).notNull(),
    idempotencyKey: text("idempotency_key"),
    periodStart: ts("period_start").notNull(),
    periodEnd: ts("period_end").notNull(),
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    /** The counter right after this event was recorded, and the limit then: a retry with the same key answers exactly this. */
    usedAfter: bigint("used_after", { mode: "number" }),
    /** Null when the meter was unlimited. */
    limitAt: bigint("limit_at", { mode: "number" }),
    /** Units of this event past the included amount on a `bill` meter: what is reported to Stripe. */
    billableQuantity: bigint("billable_quantity", { mode: "number" }).notNull().default(0),
    /** Set once the event has been reported to Stripe Billing Meters (metered prices). */
    reportedAt: ts("reported_at"),
    /** A reporter run holds the event until then; after a crash another run takes it over. */
    reportClaimedUntil: ts("report_claimed_until"),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    /** The partition key: always the insert's now() (the daily rollup relies on it). */
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: "usage_events_pkey", columns: [t.id, t.createdAt] }),
    // Usage history: one meter of one user over a time range.
    index("usage_events_meter_account_created_idx").on(t.meter, t.accountId, t.createdAt),
    index("usage_events_api_key_id_idx").on(t.apiKeyId),
    index("usage_events_billable_unreported_idx")
      .on(t.createdAt)
      .where(sql`${t.reportedAt} is null and ${t.billableQuantity} > 0`),
    // Day ranges for the rollup: tiny, as events arrive in created_at order.
    index("usage_events_created_brin").using("brin", t.createdAt),
  ],
);

/**
 * The idempotency keys of usage events, one row per keyed event (written by the `usage_events_key`
 * trigger in the statement that inserts the event): its primary key makes a key count once per
 * account across every partition, and it holds what a retry with the key is answered. Every
 * idempotency lookup reads this table, never usage_events. Kept as long as the event is.
 */
export const usageEventKeys = pgTable(
  "usage_event_keys",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    idempotencyKey: text("idempotency_key").notNull(),
    eventId: uuid("event_id").notNull(),
    meter: text("meter").notNull(),
    quantity: bigint("quantity", { mode: "number" }).notNull(),
    usedAfter: bigint("used_after", { mode: "number" }),
    limitAt: bigint("limit_at", { mode: "number" }),
    periodEnd: ts("period_end").notNull(),
    /** The event's created_at (which partition holds it). */
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    // The only index that starts with the user: an idempotency-key lookup always probes it. A second
    // user-first index looked cheaper to the planner whenever statistics predated a customer's
    // events, and it then scanned every event of that customer once per key.
    primaryKey({ name: "usage_event_keys_pkey", columns: [t.accountId, t.idempotencyKey] }),
    index("usage_event_keys_created_idx").on(t.createdAt),
  ],
);

/** Net usage per account, meter and UTC day for days before `usage_rollup_state.rolled_up_until`. */
export const usageDaily = pgTable(
  "usage_daily",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    /** Sum of the day's event quantities (refunds subtracted). */
    quantity: bigint("quantity", { mode: "number" }).notNull(),
    events: bigint("events", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.meter, t.day] })],
);

/** One row: every UTC day before `rolledUpUntil` is in usage_daily; when maintenance last ran. */
export const usageRollupState = pgTable(
  "usage_rollup_state",
  {
    id: boolean("id").primaryKey().default(true),
    rolledUpUntil: ts("rolled_up_until"),
    maintainedAt: ts("maintained_at"),
  },
  (t) => [check("usage_rollup_state_single_row", sql`${t.id}`)],
);

export const USAGE_RESERVATION_STATUSES = ["pending", "finalized", "released", "expired"] as const;
export type UsageReservationStatus = (typeof USAGE_RESERVATION_STATUSES)[number];

/**
 * Quota held for work whose cost is known only at the end (an LLM call's tokens). The amount sits
 * in `usage_counters.reserved` (and in the current day's and hour's counts) until `finalize` turns it
 * into usage or it expires and is given back.
 */
export const usageReservations = pgTable(
  "usage_reservations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    periodStart: ts("period_start").notNull(),
    periodEnd: ts("period_end").notNull(),
    quantity: bigint("quantity", { mode: "number" }).notNull(),
    status: text("status").$type<UsageReservationStatus>().notNull().default("pending"),
    expiresAt: ts("expires_at").notNull(),
    createdAt: createdAt(),
    settledAt: ts("settled_at"),
    /**
     * The UTC day and hour the reservation was made in: it holds its units in those windows' counts
     * (`usage_counters.day_used`, `hour_used`) until settled. Null on reservations made before windows held them.
     */
    dayStart: ts("day_start"),
    hourStart: ts("hour_start"),
  },
  (t) => [
    index("usage_reservations_pending_idx")
      .on(t.accountId, t.meter, t.periodStart)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * Signed-out visitors' usage, per subject (`anon:<cookie id>` or `ip:<address>`), meter and UTC
 * month. Carried over to the account at sign-up.
 */
export const anonymousUsage = pgTable(
  "anonymous_usage",
  {
    subject: text("subject").notNull(),
    meter: text("meter").notNull(),
    periodStart: ts("period_start").notNull(),
    used: bigint("used", { mode: "number" }).notNull().default(0),
    /** When the visitor signed up and the usage moved to their account. */
    claimedAt: ts("claimed_at"),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.subject, t.meter, t.periodStart] })],
);

/** Running total per user, meter and period; a new period is a new row, so nothing needs resetting. */
export const usageCounters = pgTable(
  "usage_counters",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    periodStart: ts("period_start").notNull(),
    periodEnd: ts("period_end").notNull(),
    used: bigint("used", { mode: "number" }).notNull().default(0),
    reserved: bigint("reserved", { mode: "number" }).notNull().default(0),
    /** The part of `used` paid from prepaid credits (a refund of usage gives these back to the balance first). */
    creditsUsed: bigint("credits_used", { mode: "number" }).notNull().default(0),
    /**
     * The shorter windows a plan may cap besides the period (lib/billing/metering/windows.ts): the
     * UTC day and clock hour of the latest use and what was used in each, moved with `used` in the
     * same statement so every window is checked under the same row lock.
     */
    dayStart: ts("day_start"),
    dayUsed: bigint("day_used", { mode: "number" }).notNull().default(0),
    hourStart: ts("hour_start"),
    hourUsed: bigint("hour_used", { mode: "number" }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.meter, t.periodStart] })],
);

/**
 * An account's monthly cap on billed overage (lib/billing/metering/spend-caps.ts), in minor units
 * of `currency`: consume refuses usage whose overage would cost more within the usage period.
 */
export const spendCaps = pgTable(
  "spend_caps",
  {
    accountId: uuid("account_id")
      .primaryKey()
      .references(() => accounts.id, { onDelete: "cascade" }),
    capCents: bigint("cap_cents", { mode: "number" }).notNull(),
    currency: text("currency").notNull().default("usd"),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check("spend_caps_cap_cents_check", sql`${t.capCents} >= 0`)],
);

/**
 * Gauges (lib/billing/metering/levels.ts): one row per account and gauge holding its current level
 * (projects, storage), checked against the plan's maximum on every change and never reset by a period.
 */
export const usageLevels = pgTable(
  "usage_levels",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    gauge: text("gauge").notNull(),
    level: bigint("level", { mode: "number" }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.gauge] }), check("usage_levels_level_not_negative", sql`${t.level} >= 0`)],
);

/**
 * Usage alerts (lib/billing/metering/alerts.ts): one row per account, meter, usage window (by its
 * end) and threshold percentage, so each threshold is announced once per window whoever crosses it.
 */
export const usageAlerts = pgTable(
  "usage_alerts",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    windowEnd: ts("window_end").notNull(),
    threshold: integer("threshold").notNull(),
    used: bigint("used", { mode: "number" }).notNull(),
    limit: bigint("limit", { mode: "number" }).notNull(),
    dismissedAt: ts("dismissed_at"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.meter, t.windowEnd, t.threshold] }), index("usage_alerts_window_end_idx").on(t.windowEnd)],
);

export const WEBHOOK_EVENT_STATUSES = ["received", "processed", "failed", "ignored"] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/** The webhook inbox: every event by its provider id, stored before it is processed. */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    provider: text("provider").notNull().default("stripe"),
    type: text("type").notNull(),
    apiVersion: text("api_version"),
    livemode: boolean("livemode").notNull().default(false),
    objectId: text("object_id"),
    providerCreatedAt: ts("provider_created_at").notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status").$type<WebhookEventStatus>().notNull().default("received"),
    attempts: integer("attempts").notNull().default(0),
    /** Why the last attempt failed; only ever set on a `failed` event. */
    lastError: text("last_error"),
    /** Why the app ignored the event ("no handler for …"): an outcome, not an error. */
    note: text("note"),
    receivedAt: ts("received_at").notNull().defaultNow(),
    processedAt: ts("processed_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The admin webhook log pages by (received_at, id), newest first, optionally per status or type.
    index("webhook_events_status_idx").on(t.status, t.receivedAt, t.id),
    index("webhook_events_type_idx").on(t.type, t.receivedAt, t.id),
    index("webhook_events_received_at_idx").on(t.receivedAt, t.id),
    // A customer's events on the admin customer page.
    index("webhook_events_object_id_idx").on(t.objectId),
  ],
);

export const SUBSCRIPTION_CHANGE_KINDS = [
  "started",
  "plan_changed",
  "status_changed",
  "cancel_scheduled",
  "resumed",
  "change_scheduled",
  "scheduled_change_dropped",
] as const;
export type SubscriptionChangeKind = (typeof SUBSCRIPTION_CHANGE_KINDS)[number];

/**
 * One account's subscription history: a row per change (started, plan or interval changed, status
 * changed, cancellation scheduled, resumed, …), written in the same transaction as the
 * subscription upsert that made it.
 */
export const subscriptionChanges = pgTable(
  "subscription_changes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    subscriptionId: uuid("subscription_id")
      .notNull()
      .references(() => subscriptions.id, { onDelete: "cascade" }),
    kind: text("kind").$type<SubscriptionChangeKind>().notNull(),
    /** The state before and after: plan, interval, status, cancel date, scheduled plan. */
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: ts("occurred_at").notNull().defaultNow(),
  },
  (t) => [index("subscription_changes_account_idx").on(t.accountId, t.occurredAt, t.id)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The member who created it (null once that user is gone). */
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    /** The first characters of the key, shown in lists so users can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the full key; the key itself is shown once and never stored. */
    keyHash: text("key_hash").notNull().unique(),
    lastUsedAt: ts("last_used_at"),
    expiresAt: ts("expires_at"),
    revokedAt: ts("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [index("api_keys_account_id_idx").on(t.accountId), index("api_keys_prefix_idx").on(t.prefix)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    actorUserId: uuid("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    /** e.g. "subscription.synced", "catalog.drift", "webhook.replayed". */
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index("audit_log_created_at_idx").on(t.createdAt),
    index("audit_log_action_idx").on(t.action, t.createdAt),
    index("audit_log_actor_user_id_idx").on(t.actorUserId),
    // A customer's audit trail on the admin customer page.
    index("audit_log_target_idx").on(t.targetType, t.targetId, t.id),
  ],
);

/** Customer notifications: sent by SMTP when configured, otherwise kept here for admins to read. */
/**
 * Prepaid credits (lib/billing/credits): per account and meter, units bought in advance that
 * `consume` draws once the plan's included amount is used up. `generation` counts the purchases
 * credited so far: an auto top-up is keyed by it, so one threshold crossing charges at most once.
 */
export const creditBalances = pgTable(
  "credit_balances",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    balance: bigint("balance", { mode: "number" }).notNull().default(0),
    generation: integer("generation").notNull().default(0),
    autoTopUpEnabled: boolean("auto_top_up_enabled").notNull().default(false),
    /** Recharge when the balance falls below this many units. */
    autoTopUpThreshold: bigint("auto_top_up_threshold", { mode: "number" }),
    /** The catalog pack an auto top-up buys. */
    autoTopUpPack: text("auto_top_up_pack"),
    version: integer("version").notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.meter] }), check("credit_balances_balance_nonnegative", sql`${t.balance} >= 0`)],
);

export const CREDIT_LEDGER_KINDS = ["purchase", "consume", "return", "refund", "expire"] as const;
export type CreditLedgerKind = (typeof CREDIT_LEDGER_KINDS)[number];

/**
 * Append-only history of a credit balance: every purchase, draw, usage refund given back (`return`),
 * Stripe refund and expiry with the balance
 * after it. `idempotency_key` is unique, so a redelivered webhook or a retried job never counts twice
 * (`pi:<PaymentIntent>` for a purchase, `refund:<charge>:<amount refunded>` for a refund).
 */
export const creditLedger = pgTable(
  "credit_ledger",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    kind: text("kind").$type<CreditLedgerKind>().notNull(),
    /** Signed: positive for a purchase, negative for a draw, refund or expiry. */
    units: bigint("units", { mode: "number" }).notNull(),
    balanceAfter: bigint("balance_after", { mode: "number" }).notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    packId: text("pack_id"),
    /** A purchase's payment: what a refund in Stripe is traced back by. */
    paymentIntentId: text("payment_intent_id"),
    amount: integer("amount"),
    currency: text("currency"),
    /** On a purchase: the units refunds have taken back from it so far. */
    refundedUnits: bigint("refunded_units", { mode: "number" }).notNull().default(0),
    /** `checkout`, `auto_top_up`, or the usage event a draw paid for. */
    source: text("source"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("credit_ledger_idempotency_key").on(t.idempotencyKey),
    index("credit_ledger_account_meter_created_idx").on(t.accountId, t.meter, t.createdAt),
    index("credit_ledger_payment_intent_idx").on(t.paymentIntentId),
  ],
);

export const CREDIT_TOP_UP_STATUSES = ["pending", "failed", "succeeded", "abandoned"] as const;
export type CreditTopUpStatus = (typeof CREDIT_TOP_UP_STATUSES)[number];

/**
 * Auto top-ups: one row per threshold crossing, unique per (account, meter, generation), so however
 * many instances notice the crossing, one PaymentIntent is made (its idempotency key is the row id).
 * A decline is retried 1, 3 and 5 days later, like dunning, then abandoned.
 */
export const creditTopUps = pgTable(
  "credit_top_ups",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    generation: integer("generation").notNull(),
    packId: text("pack_id").notNull(),
    status: text("status").$type<CreditTopUpStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    /** A worker holds the row until then; after a crash another takes it over. */
    claimedUntil: ts("claimed_until"),
    paymentIntentId: text("payment_intent_id"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("credit_top_ups_crossing_key").on(t.accountId, t.meter, t.generation),
    index("credit_top_ups_due_idx").on(t.status, t.nextAttemptAt),
  ],
);

export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id").references(() => accounts.id, { onDelete: "set null" }),
    toEmail: text("to_email").notNull(),
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    /** The webhook event that caused it: (event, kind) is unique so each is sent once. */
    sourceEventId: text("source_event_id").notNull(),
    status: text("status").$type<"pending" | "sent" | "failed" | "outbox">().notNull().default("pending"),
    error: text("error"),
    /** Delivery attempts so far; a pending message is retried with backoff until MAX attempts. */
    attempts: integer("attempts").notNull().default(0),
    /** When the delivery job may (re)try it: set forward while one worker holds it, and after a failure. */
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    sentAt: ts("sent_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("notifications_source_event_kind_key").on(t.sourceEventId, t.kind),
    index("notifications_status_next_attempt_idx").on(t.status, t.nextAttemptAt),
    index("notifications_account_id_idx").on(t.accountId),
    index("notifications_created_at_idx").on(t.createdAt),
    index("notifications_status_created_idx").on(t.status, t.createdAt),
  ],
);

/**
 * Per-customer limits that replace the plan's limit for one meter (the custom quota of an
 * Enterprise deal). `limit` null means unlimited; no row means the plan's limit applies.
 */
export const customerLimitOverrides = pgTable(
  "customer_limit_overrides",
  {
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    limit: bigint("limit", { mode: "number" }),
    /** The admin who set it (also in the audit log). */
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.meter] }), index("customer_limit_overrides_updated_by_idx").on(t.updatedBy)],
);

/**
 * The operator alerts outbox: failed webhooks, failed payments, cancellations and reconciliation
 * drift, posted to ALERT_WEBHOOK_URL (Slack-compatible JSON) by the delivery job. `dedupeKey` is
 * unique, so each alert is recorded and posted once.
 */
export const operatorAlerts = pgTable(
  "operator_alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    text: text("text").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    /** `outbox`: recorded while ALERT_WEBHOOK_URL was unset, never posted. */
    status: text("status").$type<"pending" | "sent" | "failed" | "outbox">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    error: text("error"),
    sentAt: ts("sent_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("operator_alerts_dedupe_key").on(t.dedupeKey),
    index("operator_alerts_status_next_attempt_idx").on(t.status, t.nextAttemptAt),
  ],
);

/**
 * Revenue alerts (lib/billing/admin/revenue-alerts.ts): MRR once a day per currency, written by the
 * delivery job (`on conflict do nothing`, so every instance may try), for "MRR fell by X % over N days".
 */
export const mrrSnapshots = pgTable(
  "mrr_snapshots",
  {
    /** The UTC day the figure was taken (the first evaluation of that day). */
    day: text("day").notNull(),
    currency: text("currency").notNull(),
    /** Minor units per month, as lib/billing/admin/metrics.ts defines MRR. */
    mrr: bigint("mrr", { mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.day, t.currency] }), check("mrr_snapshots_day_format", sql`${t.day} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`)],
);

export const REVENUE_ALERT_RULES = ["mrr_drop", "failed_payments", "cancellations"] as const;
export type RevenueAlertRule = (typeof REVENUE_ALERT_RULES)[number];

/**
 * One row per revenue alert rule: its settings (edited in the admin console) and its state. `firing`
 * while the condition holds: the alert is recorded once, when a conditional UPDATE moves the row from
 * `armed` to `firing`, and the rule is re-armed when the condition clears.
 */
export const revenueAlertRules = pgTable(
  "revenue_alert_rules",
  {
    rule: text("rule").$type<RevenueAlertRule>().primaryKey(),
    enabled: boolean("enabled").notNull().default(true),
    /** The threshold in basis points (1000 = 10 %). */
    thresholdBps: integer("threshold_bps").notNull(),
    windowDays: integer("window_days").notNull(),
    state: text("state").$type<"armed" | "firing">().notNull().default("armed"),
    /** When the current crossing started (null while armed); part of its alert's dedupe key. */
    firingSince: ts("firing_since"),
    /** The last evaluation's figure in basis points (null: not measurable, e.g. no MRR snapshot that old). */
    lastValueBps: integer("last_value_bps"),
    lastEvaluatedAt: ts("last_evaluated_at"),
    /** Why the last evaluation could not measure the figure, shown in the console. */
    lastNote: text("last_note"),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check("revenue_alert_rules_rule", sql`${t.rule} in ('mrr_drop', 'failed_payments', 'cancellations')`),
    check("revenue_alert_rules_threshold", sql`${t.thresholdBps} between 1 and 10000`),
    check("revenue_alert_rules_window", sql`${t.windowDays} between 1 and 90`),
    check("revenue_alert_rules_state", sql`${t.state} in ('armed', 'firing')`),
    check("revenue_alert_rules_firing_since", sql`(${t.state} = 'firing') = (${t.firingSince} is not null)`),
    index("revenue_alert_rules_updated_by_idx").on(t.updatedBy),
  ],
);

/**
 * The revenue alerts' schedule: one row. An instance evaluates only after moving `next_evaluation_at`
 * forward with a conditional UPDATE, so the 5-minute job on N instances runs the aggregates once per
 * interval; saving a rule sets it to now, so the change applies on the next run.
 */
export const revenueAlertSchedule = pgTable(
  "revenue_alert_schedule",
  {
    id: boolean("id").primaryKey().default(true),
    nextEvaluationAt: ts("next_evaluation_at").notNull().defaultNow(),
    lastEvaluatedAt: ts("last_evaluated_at"),
  },
  (t) => [check("revenue_alert_schedule_one_row", sql`${t.id}`)],
);

export type User = typeof users.$inferSelect;
export type BillingCustomer = typeof billingCustomers.$inferSelect;
export type Subscription = typeof subscriptions.$inferSelect;
export type Invoice = typeof invoices.$inferSelect;
export type WebhookEvent = typeof webhookEvents.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type UsageEvent = typeof usageEvents.$inferSelect;
export type CustomerLimitOverride = typeof customerLimitOverrides.$inferSelect;
export type Account = typeof accounts.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
export type CreditLedgerEntry = typeof creditLedger.$inferSelect;
export type CreditTopUp = typeof creditTopUps.$inferSelect;

/**
 * Outbound webhooks (lib/webhooks-out): endpoints of the product's own systems that receive signed
 * billing events. Registered by admins; `secret` (`whsec_…`) signs every delivery, so it is stored
 * as it is (docs/billing.md, "Outbound webhooks": who can read the database can read it). A rotated secret
 * keeps signing beside the new one until `previousSecretExpiresAt`.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    /** Event types it receives (lib/webhooks-out/events.ts OUTBOUND_EVENT_TYPES). */
    eventTypes: text("event_types").array().notNull(),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: ts("previous_secret_expires_at"),
    /** Set when an admin disables it: no new deliveries; pending ones stay pending until re-enabled or failed. */
    disabledAt: ts("disabled_at"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_endpoints_created_at_idx").on(t.createdAt)],
);

/** One billing fact for the product's systems, written in the transaction that made it true. */
export const outboundEvents = pgTable(
  "outbound_events",
  {
    /** `evt_…`: receivers dedupe by it (the `Webhook-Id` header). */
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    accountId: uuid("account_id"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    /** What the event is about, unique so the same fact is never announced twice (e.g. `invoice.paid:in_…`). */
    dedupeKey: text("dedupe_key"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("outbound_events_dedupe_key").on(t.dedupeKey), index("outbound_events_created_at_idx").on(t.createdAt)],
);

export const OUTBOUND_DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type OutboundDeliveryStatus = (typeof OUTBOUND_DELIVERY_STATUSES)[number];

/**
 * One event for one endpoint: at most one original per (event, endpoint), plus admin replays
 * (`replayOf` set). Claimed by the delivery job with a lease (`claimToken`, `claimedUntil`).
 */
export const outboundDeliveries = pgTable(
  "outbound_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    eventId: text("event_id")
      .notNull()
      .references(() => outboundEvents.id, { onDelete: "cascade" }),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    status: text("status").$type<OutboundDeliveryStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    claimToken: uuid("claim_token"),
    claimedUntil: ts("claimed_until"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastAttemptAt: ts("last_attempt_at"),
    deliveredAt: ts("delivered_at"),
    replayOf: uuid("replay_of"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("outbound_deliveries_event_endpoint_key")
      .on(t.eventId, t.endpointId)
      .where(sql`replay_of is null`),
    index("outbound_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("outbound_deliveries_endpoint_created_idx").on(t.endpointId, t.createdAt),
    index("outbound_deliveries_created_at_idx").on(t.createdAt),
  ],
);
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type OutboundEvent = typeof outboundEvents.$inferSelect;
export type OutboundDelivery = typeof outboundDeliveries.$inferSelect;
