import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER, selectRows, setAppDatabase, type Database } from "@/db/client";
import { consume, getQuota, type QuotaSummary } from "@/lib/billing/metering";
import { METERS, METER_IDS, getPlan, type MeterId } from "@/lib/billing/plans";
import { POOLED_DATABASE_KINDS, createEmptyDatabase, type TestDatabase } from "../helpers/db";

/**
 * Migration 0011 (accounts) on a database that a deployment has today: every migration before it
 * applied, users with subscriptions, usage, keys and invoices, then the full migrations folder.
 * Nothing may be lost or changed: every row of every table is compared column by column (user_id
 * now account_id), every user has its personal account, and every quota answer is the one the
 * seeded data and the catalog give.
 */

const NOW = new Date("2027-03-10T12:00:00.000Z");

const ALICE = "a11ce000-0000-4000-8000-000000000001"; // Pro monthly, active, billing customer, API key, override
const BOB = "b0b00000-0000-4000-8000-000000000002"; // Free, with usage, no name
const CAROL = "ca201000-0000-4000-8000-000000000003"; // admin
const DAVE = "da4e0000-0000-4000-8000-000000000004"; // Scale yearly, past due inside the grace period
const USERS = [ALICE, BOB, CAROL, DAVE];

const ALICE_CUSTOMER = "bc000000-0000-4000-8000-0000000000a1";
const DAVE_CUSTOMER = "bc000000-0000-4000-8000-0000000000d4";
const ALICE_SUB = "5b000000-0000-4000-8000-0000000000a1";
const ALICE_OLD_SUB = "5b000000-0000-4000-8000-0000000000a0";
const DAVE_SUB = "5b000000-0000-4000-8000-0000000000d4";
const ALICE_KEY = "ae000000-0000-4000-8000-0000000000a1";
const BOB_KEY = "ae000000-0000-4000-8000-0000000000b2";

/** Each seeded user's current usage window and what its counters hold there (the quota's inputs). */
interface SeededUsage {
  planId: string;
  periodStart: string;
  periodEnd: string;
  used: Record<MeterId, number>;
  /** Units held by pending reservations that have not expired at NOW. */
  reserved: Record<MeterId, number>;
  /** Per-customer limit overrides (null = unlimited). */
  overrides: Partial<Record<MeterId, number | null>>;
  /** The meters whose overage is billed (a `bill` meter on a Stripe subscription with a limit). */
  billed: MeterId[];
}

const SEEDED: Record<string, SeededUsage> = {
  [ALICE]: {
    planId: "pro",
    periodStart: "2027-02-20T00:00:00.000Z",
    periodEnd: "2027-03-20T00:00:00.000Z",
    used: { api_calls: 1_200, tokens: 150_000, jobs: 42 },
    reserved: { api_calls: 0, tokens: 5_000, jobs: 0 },
    overrides: { jobs: 800 },
    billed: ["tokens"],
  },
  [BOB]: {
    planId: "free",
    periodStart: "2027-03-01T00:00:00.000Z",
    periodEnd: "2027-04-01T00:00:00.000Z",
    used: { api_calls: 10, tokens: 0, jobs: 5 },
    reserved: { api_calls: 0, tokens: 0, jobs: 0 },
    overrides: {},
    billed: [],
  },
  [CAROL]: {
    planId: "free",
    periodStart: "2027-03-01T00:00:00.000Z",
    periodEnd: "2027-04-01T00:00:00.000Z",
    used: { api_calls: 0, tokens: 0, jobs: 0 },
    reserved: { api_calls: 0, tokens: 0, jobs: 0 },
    overrides: {},
    billed: [],
  },
  [DAVE]: {
    // Yearly: the month-long window on the billing cycle anchor (Nov 15) that contains NOW.
    planId: "scale",
    periodStart: "2027-02-15T00:00:00.000Z",
    periodEnd: "2027-03-15T00:00:00.000Z",
    used: { api_calls: 25_000, tokens: 10_500_000, jobs: 0 },
    reserved: { api_calls: 0, tokens: 0, jobs: 0 },
    overrides: { api_calls: null },
    billed: ["tokens"],
  },
};

/** The quota each user must be answered, from the seeded data and the catalog's limits. */
function expectedQuota(userId: string): QuotaSummary {
  const seeded = SEEDED[userId];
  const plan = getPlan(seeded.planId);
  const meters = Object.fromEntries(
    METER_IDS.map((meter) => {
      const limit = meter in seeded.overrides ? (seeded.overrides[meter] as number | null) : (plan.limits[meter] as number | null); // the seeded plans are flat (not per seat)
      const used = seeded.used[meter];
      const remaining = limit === null ? null : Math.max(0, limit - used - seeded.reserved[meter]);
      // The day and hour caps came after this deployment's usage: nothing counted in them yet.
      const caps = plan.windows?.[meter] ?? {};
      const windows = [
        { window: "period", used, limit, remaining, resetsAt: seeded.periodEnd },
        ...(caps.day === undefined
          ? []
          : [{ window: "day", used: 0, limit: caps.day, remaining: caps.day, resetsAt: "2027-03-11T00:00:00.000Z" }]),
        ...(caps.hour === undefined
          ? []
          : [{ window: "hour", used: 0, limit: caps.hour, remaining: caps.hour, resetsAt: "2027-03-10T13:00:00.000Z" }]),
      ];
      return [
        meter,
        {
          used,
          limit,
          remaining,
          resetsAt: seeded.periodEnd,
          periodStart: seeded.periodStart,
          overage: seeded.billed.includes(meter) && METERS[meter].overage === "bill" ? "bill" : "block",
          windows,
        },
      ];
    }),
  );
  return { plan: { id: plan.id, name: plan.name }, meters } as QuotaSummary;
}

/** Raw SQL as a deployment at migration 0010 holds it (column names of that schema). */
const SEED = [
  // Users: the subscriptions trigger of 0006 keeps users.current_mrr.
  `insert into users (id, email, name, password_hash, role, email_verified_at, session_version, created_at, updated_at) values
    ('${ALICE}', 'alice@example.com', 'Alice Example', '$2a$04$hashhashhashhashhashhu', 'user', '2026-12-01T10:00:00.123456Z', 2, '2026-12-01T09:59:00.654321Z', '2027-01-01T00:00:00Z'),
    ('${BOB}', 'bob@example.com', null, '$2a$04$bobbobbobbobbobbobbobu', 'user', null, 0, '2027-01-05T08:00:00Z', '2027-01-05T08:00:00Z'),
    ('${CAROL}', 'carol@example.com', 'Carol Admin', null, 'admin', '2026-11-01T00:00:00Z', 0, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),
    ('${DAVE}', 'dave@example.com', '', null, 'user', '2026-11-10T00:00:00Z', 1, '2026-11-10T00:00:00Z', '2026-11-10T00:00:00Z')`,
  `insert into oauth_identities (provider, provider_account_id, user_id, created_at) values ('github', '12345', '${ALICE}', '2026-12-01T10:00:00Z')`,
  `insert into email_verification_tokens (user_id, email, token_hash, expires_at) values ('${BOB}', 'bob@example.com', 'verify-hash-bob', '2027-01-06T08:00:00Z')`,
  `insert into password_reset_tokens (user_id, email, token_hash, expires_at, used_at) values ('${ALICE}', 'alice@example.com', 'reset-hash-alice', '2027-01-02T00:00:00Z', '2027-01-01T23:30:00Z')`,
  `insert into rate_limits (key, points, expire) values ('signin:alice@example.com', 2, '2027-03-10T12:15:00Z')`,
  `insert into billing_customers (id, user_id, provider, provider_customer_id, email, created_at, updated_at) values
    ('${ALICE_CUSTOMER}', '${ALICE}', 'stripe', 'cus_alice', 'alice@example.com', '2026-12-20T00:00:00Z', '2026-12-20T00:00:00Z'),
    ('${DAVE_CUSTOMER}', '${DAVE}', 'stripe', 'cus_dave', 'dave@example.com', '2026-11-15T00:00:00Z', '2026-11-15T00:00:00Z')`,
  `insert into billing_customer_claims (user_id, generation, idempotency_key, created_at) values ('${ALICE}', 'first', 'customer-claim-alice', '2026-12-20T00:00:00Z')`,
  `insert into subscriptions (id, user_id, billing_customer_id, provider, provider_subscription_id, status, plan_id, price_id, price_lookup_key,
      interval, quantity, unit_amount, currency, current_period_start, current_period_end, billing_cycle_anchor, trial_start, trial_end,
      cancel_at_period_end, cancel_at, canceled_at, ended_at, past_due_since, schedule_id, pending_plan_id, pending_interval, pending_change_at,
      source_version, metadata, created_at, updated_at) values
    ('${ALICE_OLD_SUB}', '${ALICE}', '${ALICE_CUSTOMER}', 'stripe', 'sub_alice_old', 'canceled', 'scale', 'price_scale_m', 'scale_monthly',
      'month', 1, 9900, 'usd', '2026-11-20T00:00:00Z', '2026-12-20T00:00:00Z', '2026-11-20T00:00:00Z', null, null,
      false, null, '2026-12-19T00:00:00Z', '2026-12-20T00:00:00Z', null, null, null, null, null,
      1766000000000, '{"userId": "${ALICE}"}', '2026-11-20T00:00:00Z', '2026-12-20T00:00:00Z'),
    ('${ALICE_SUB}', '${ALICE}', '${ALICE_CUSTOMER}', 'stripe', 'sub_alice', 'active', 'pro', 'price_pro_m', 'pro_monthly',
      'month', 1, 1900, 'usd', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', '2026-12-20T00:00:00Z', '2026-12-20T00:00:00Z', '2027-01-03T00:00:00Z',
      true, '2027-03-20T00:00:00Z', null, null, null, null, null, null, null,
      1771545600123, '{"userId": "${ALICE}", "plan": "pro"}', '2026-12-20T00:00:01Z', '2027-02-20T00:00:05.987654Z'),
    ('${DAVE_SUB}', '${DAVE}', '${DAVE_CUSTOMER}', 'stripe', 'sub_dave', 'past_due', 'scale', 'price_scale_y', 'scale_yearly',
      'year', 1, 99000, 'usd', '2026-11-15T00:00:00Z', '2027-11-15T00:00:00Z', '2026-11-15T00:00:00Z', null, null,
      false, null, null, null, '2027-03-09T00:00:00Z', 'sub_sched_dave', 'pro', 'year', '2027-11-15T00:00:00Z',
      1773014400000, '{"userId": "${DAVE}"}', '2026-11-15T00:00:00Z', '2027-03-09T00:00:00Z')`,
  `insert into invoices (user_id, billing_customer_id, provider, provider_invoice_id, provider_customer_id, provider_subscription_id, number, status,
      billing_reason, currency, subtotal, total, amount_due, amount_paid, amount_remaining, amount_refunded, attempt_count, next_payment_attempt,
      hosted_invoice_url, invoice_pdf, period_start, period_end, paid_at, provider_created_at, source_version) values
    ('${ALICE}', '${ALICE_CUSTOMER}', 'stripe', 'in_alice_1', 'cus_alice', 'sub_alice', 'A-0001', 'paid', 'subscription_cycle', 'usd', 1900, 1900, 1900, 1900, 0, 500, 1, null,
      'https://invoice.stripe.test/alice1', 'https://invoice.stripe.test/alice1.pdf', '2027-01-20T00:00:00Z', '2027-02-20T00:00:00Z', '2027-01-20T01:00:00Z', '2027-01-20T00:00:00Z', 1),
    ('${ALICE}', '${ALICE_CUSTOMER}', 'stripe', 'in_alice_2', 'cus_alice', 'sub_alice', 'A-0002', 'paid', 'subscription_cycle', 'usd', 1900, 1900, 1900, 1900, 0, 0, 1, null,
      null, null, '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', '2027-02-20T01:00:00Z', '2027-02-20T00:00:00Z', 2),
    ('${DAVE}', '${DAVE_CUSTOMER}', 'stripe', 'in_dave_1', 'cus_dave', 'sub_dave', 'D-0001', 'open', 'subscription_cycle', 'usd', 99000, 99000, 99000, 0, 99000, 0, 2, '2027-03-12T00:00:00Z',
      null, null, '2026-11-15T00:00:00Z', '2027-11-15T00:00:00Z', null, '2027-03-08T00:00:00Z', 3),
    (null, null, 'stripe', 'in_orphan', 'cus_gone', null, null, 'void', 'manual', 'eur', 1000, 1000, 0, 0, 0, 0, 0, null,
      null, null, null, null, null, '2026-10-01T00:00:00Z', 1)`,
  `insert into api_keys (id, user_id, name, prefix, key_hash, last_used_at, expires_at, revoked_at, created_at) values
    ('${ALICE_KEY}', '${ALICE}', 'CI', 'sk_live_alic', 'key-hash-alice', '2027-03-10T11:00:00Z', '2028-01-01T00:00:00Z', null, '2027-01-02T00:00:00Z'),
    ('${BOB_KEY}', '${BOB}', 'old laptop', 'sk_live_bob0', 'key-hash-bob', null, null, '2027-02-01T00:00:00Z', '2027-01-06T00:00:00Z')`,
  // Usage events: the current window's net sums equal the counters below; an older window too.
  `insert into usage_events (user_id, meter, quantity, idempotency_key, period_start, period_end, api_key_id, used_after, limit_at, billable_quantity,
      reported_at, report_claimed_until, metadata, created_at) values
    ('${ALICE}', 'api_calls', 1000, 'alice-a-1', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', '${ALICE_KEY}', 1000, 50000, 0, null, null, '{}', '2027-02-21T00:00:00Z'),
    ('${ALICE}', 'api_calls', 200, null, '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', null, 1200, 50000, 0, null, null, '{"route": "/v1/run"}', '2027-03-09T00:00:00Z'),
    ('${ALICE}', 'tokens', 150000, 'alice-t-1', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', '${ALICE_KEY}', 150000, 2000000, 0, null, null, '{}', '2027-03-01T00:00:00Z'),
    ('${ALICE}', 'tokens', 3000, 'alice-res-done', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', null, 153000, 2000000, 0, null, null, '{}', '2027-03-02T00:00:00Z'),
    ('${ALICE}', 'tokens', -3000, 'alice-res-refund', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', null, 150000, 2000000, 0, null, null, '{}', '2027-03-02T00:01:00Z'),
    ('${ALICE}', 'jobs', 40, 'alice-j-1', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', null, 40, 800, 0, null, null, '{}', '2027-02-25T00:00:00Z'),
    ('${ALICE}', 'jobs', 3, 'alice-j-2', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', null, 43, 800, 0, null, null, '{}', '2027-03-05T00:00:00Z'),
    ('${ALICE}', 'jobs', -1, 'alice-j-2-refund', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', null, 42, 800, 0, null, null, '{}', '2027-03-05T00:00:01Z'),
    ('${ALICE}', 'jobs', 499, 'alice-j-old', '2027-01-20T00:00:00Z', '2027-02-20T00:00:00Z', null, 499, 500, 0, null, null, '{}', '2027-02-01T00:00:00Z'),
    ('${BOB}', 'api_calls', 10, 'bob-a-1', '2027-03-01T00:00:00Z', '2027-04-01T00:00:00Z', null, 10, 1000, 0, null, null, '{}', '2027-03-02T00:00:00Z'),
    ('${BOB}', 'api_calls', 999, 'bob-a-feb', '2027-02-01T00:00:00Z', '2027-03-01T00:00:00Z', null, 999, 1000, 0, null, null, '{}', '2027-02-02T00:00:00Z'),
    ('${BOB}', 'jobs', 5, 'bob-j-1', '2027-03-01T00:00:00Z', '2027-04-01T00:00:00Z', null, 5, 5, 0, null, null, '{}', '2027-03-03T00:00:00Z'),
    ('${DAVE}', 'api_calls', 25000, 'dave-a-1', '2027-02-15T00:00:00Z', '2027-03-15T00:00:00Z', null, 25000, null, 0, null, null, '{}', '2027-02-20T00:00:00Z'),
    ('${DAVE}', 'tokens', 10500000, 'dave-t-1', '2027-02-15T00:00:00Z', '2027-03-15T00:00:00Z', null, 10500000, 10000000, 500000, '2027-02-21T00:00:00Z', null, '{}', '2027-02-20T00:00:00Z')`,
  `insert into usage_counters (user_id, meter, period_start, period_end, used, reserved, updated_at) values
    ('${ALICE}', 'api_calls', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', 1200, 0, '2027-03-09T00:00:00Z'),
    ('${ALICE}', 'tokens', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', 150000, 7000, '2027-03-10T11:00:00Z'),
    ('${ALICE}', 'jobs', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', 42, 0, '2027-03-05T00:00:01Z'),
    ('${ALICE}', 'jobs', '2027-01-20T00:00:00Z', '2027-02-20T00:00:00Z', 499, 0, '2027-02-01T00:00:00Z'),
    ('${BOB}', 'api_calls', '2027-03-01T00:00:00Z', '2027-04-01T00:00:00Z', 10, 0, '2027-03-02T00:00:00Z'),
    ('${BOB}', 'api_calls', '2027-02-01T00:00:00Z', '2027-03-01T00:00:00Z', 999, 0, '2027-02-02T00:00:00Z'),
    ('${BOB}', 'jobs', '2027-03-01T00:00:00Z', '2027-04-01T00:00:00Z', 5, 0, '2027-03-03T00:00:00Z'),
    ('${DAVE}', 'api_calls', '2027-02-15T00:00:00Z', '2027-03-15T00:00:00Z', 25000, 0, '2027-02-20T00:00:00Z'),
    ('${DAVE}', 'tokens', '2027-02-15T00:00:00Z', '2027-03-15T00:00:00Z', 10500000, 0, '2027-02-20T00:00:00Z')`,
  // Alice's tokens counter holds 7,000 reserved: 5,000 still pending, 2,000 whose reservation expired.
  `insert into usage_reservations (user_id, meter, period_start, period_end, quantity, status, expires_at, created_at, settled_at) values
    ('${ALICE}', 'tokens', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', 5000, 'pending', '2027-03-10T12:05:00Z', '2027-03-10T11:55:00Z', null),
    ('${ALICE}', 'tokens', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', 2000, 'pending', '2027-03-10T11:00:00Z', '2027-03-10T10:50:00Z', null),
    ('${ALICE}', 'tokens', '2027-02-20T00:00:00Z', '2027-03-20T00:00:00Z', 3000, 'finalized', '2027-03-02T00:10:00Z', '2027-03-02T00:00:00Z', '2027-03-02T00:01:00Z')`,
  `insert into customer_limit_overrides (user_id, meter, "limit", updated_by, created_at, updated_at) values
    ('${ALICE}', 'jobs', 800, '${CAROL}', '2027-01-10T00:00:00Z', '2027-01-10T00:00:00.5Z'),
    ('${DAVE}', 'api_calls', null, '${CAROL}', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')`,
  `insert into notifications (user_id, to_email, kind, subject, body, source_event_id, status, error, attempts, next_attempt_at, sent_at, created_at) values
    ('${ALICE}', 'alice@example.com', 'payment_succeeded', 'Receipt', 'Thanks', 'evt_alice_paid', 'sent', null, 1, '2027-02-20T01:00:00Z', '2027-02-20T01:00:05Z', '2027-02-20T01:00:00Z'),
    ('${ALICE}', 'alice@example.com', 'cancel_scheduled', 'Cancellation', 'Sorry to see you go', 'evt_alice_cancel', 'pending', null, 0, '2027-03-10T12:00:00Z', null, '2027-03-10T11:59:00Z'),
    ('${DAVE}', 'dave@example.com', 'payment_failed', 'Payment failed', 'Update your card', 'evt_dave_failed', 'failed', 'SMTP 550', 5, '2027-03-09T06:00:00Z', null, '2027-03-09T00:00:00Z'),
    (null, 'gone@example.com', 'payment_succeeded', 'Receipt', 'Thanks', 'evt_gone', 'outbox', null, 0, '2026-10-01T00:00:00Z', null, '2026-10-01T00:00:00Z')`,
  `insert into subscription_changes (user_id, subscription_id, kind, data, occurred_at) values
    ('${ALICE}', '${ALICE_OLD_SUB}', 'started', '{"plan": "scale", "interval": "month", "status": "active"}', '2026-11-20T00:00:00Z'),
    ('${ALICE}', '${ALICE_OLD_SUB}', 'status_changed', '{"from": {"status": "active"}, "to": {"status": "canceled"}}', '2026-12-20T00:00:00Z'),
    ('${ALICE}', '${ALICE_SUB}', 'started', '{"plan": "pro", "interval": "month", "status": "trialing"}', '2026-12-20T00:00:01Z'),
    ('${ALICE}', '${ALICE_SUB}', 'cancel_scheduled', '{"cancelAt": "2027-03-20T00:00:00.000Z"}', '2027-03-10T11:59:00Z'),
    ('${DAVE}', '${DAVE_SUB}', 'started', '{"plan": "scale", "interval": "year"}', '2026-11-15T00:00:00Z'),
    ('${DAVE}', '${DAVE_SUB}', 'change_scheduled', '{"to": {"plan": "pro", "interval": "year"}}', '2027-01-15T00:00:00Z'),
    ('${DAVE}', '${DAVE_SUB}', 'status_changed', '{"from": {"status": "active"}, "to": {"status": "past_due"}}', '2027-03-09T00:00:00Z')`,
  `insert into audit_log (actor_user_id, action, target_type, target_id, data, created_at) values
    ('${CAROL}', 'limit_override.set', 'user', '${ALICE}', '{"meter": "jobs", "limit": 800}', '2027-01-10T00:00:00Z'),
    ('${CAROL}', 'limit_override.set', 'user', '${DAVE}', '{"meter": "api_calls", "limit": null}', '2026-12-01T00:00:00Z'),
    (null, 'subscription.synced', 'user', '${DAVE}', '{"subscription": "sub_dave"}', '2027-03-09T00:00:00Z'),
    ('${CAROL}', 'subscription.synced', 'subscription', '${ALICE_SUB}', '{}', '2027-02-20T00:00:00Z'),
    (null, 'catalog.drift', null, null, '{"lookupKey": "pro_monthly"}', '2027-01-01T00:00:00Z')`,
  `insert into anonymous_usage (subject, meter, period_start, used, claimed_at, updated_at) values
    ('anon:visitor-1', 'jobs', '2027-03-01T00:00:00Z', 2, '2027-03-03T00:00:00Z', '2027-03-03T00:00:00Z'),
    ('ip:203.0.113.9', 'jobs', '2027-03-01T00:00:00Z', 2, null, '2027-03-02T00:00:00Z')`,
  `insert into webhook_events (id, provider, type, api_version, livemode, object_id, provider_created_at, payload, status, attempts, last_error, note, received_at, processed_at, updated_at) values
    ('evt_alice_paid', 'stripe', 'invoice.paid', '2025-03-31.basil', false, 'in_alice_2', '2027-02-20T00:59:00Z', '{"id": "evt_alice_paid", "data": {"object": {"id": "in_alice_2"}}}', 'processed', 1, null, null, '2027-02-20T01:00:00Z', '2027-02-20T01:00:01Z', '2027-02-20T01:00:01Z'),
    ('evt_dave_failed', 'stripe', 'invoice.payment_failed', '2025-03-31.basil', false, 'in_dave_1', '2027-03-08T23:59:00Z', '{"id": "evt_dave_failed"}', 'failed', 3, 'boom', null, '2027-03-09T00:00:00Z', null, '2027-03-09T00:10:00Z')`,
  `insert into operator_alerts (kind, dedupe_key, text, data, status, attempts, next_attempt_at, error, sent_at, created_at) values
    ('payment_failed', 'payment_failed:in_dave_1', 'Payment failed for dave@example.com', '{"userId": "${DAVE}"}', 'outbox', 0, '2027-03-09T00:00:00Z', null, null, '2027-03-09T00:00:00Z')`,
];

/** The tables whose user_id becomes account_id (the billing subject), and those that keep naming a user. */
const BILLING_TABLES = [
  "api_keys",
  "billing_customer_claims",
  "billing_customers",
  "customer_limit_overrides",
  "invoices",
  "notifications",
  "subscription_changes",
  "subscriptions",
  "usage_counters",
  "usage_events",
  "usage_reservations",
];
const USER_TABLES = ["email_verification_tokens", "oauth_identities", "password_reset_tokens"];

/** Every row of one table, each column as Postgres's own text of the value (exact: microseconds, bigints, jsonb). */
type Row = Record<string, string | null>;
interface Snapshot {
  columns: Map<string, string[]>;
  rows: Map<string, Row[]>;
}

async function snapshot(db: Database): Promise<Snapshot> {
  const columnRows = await selectRows<{ table_name: string; column_name: string }>(
    db,
    sql`select c.table_name, c.column_name from information_schema.columns c
        join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = 'public' and t.table_type = 'BASE TABLE' order by c.table_name, c.ordinal_position`,
  );
  const columns = new Map<string, string[]>();
  for (const { table_name, column_name } of columnRows) columns.set(table_name, [...(columns.get(table_name) ?? []), column_name]);
  const rows = new Map<string, Row[]>();
  for (const table of columns.keys()) {
    const result = await selectRows<{ j: Row | string }>(
      db,
      sql.raw(`select (select jsonb_object_agg(key, value) from jsonb_each_text(to_jsonb(t))) as j from "${table}" t`),
    );
    rows.set(
      table,
      result.map((r) => (typeof r.j === "string" ? (JSON.parse(r.j) as Row) : r.j)),
    );
  }
  return { columns, rows };
}

const canonical = (row: Row, columns: string[]) => JSON.stringify(columns.map((c) => [c, row[c] ?? null]));

/** A copy of the migrations folder holding only the migrations before the accounts one: today's schema. */
function migrationsBeforeAccounts(): { folder: string; count: number } {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as {
    entries: Array<{ tag: string }>;
  };
  const index = journal.entries.findIndex((e) => e.tag.endsWith("_accounts"));
  if (index < 1) throw new Error("no accounts migration in the journal");
  const entries = journal.entries.slice(0, index);
  const folder = mkdtempSync(path.join(tmpdir(), "migrations-before-accounts-"));
  mkdirSync(path.join(folder, "meta"));
  writeFileSync(path.join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal, entries }, null, 2));
  for (const { tag } of entries) copyFileSync(path.join(MIGRATIONS_FOLDER, `${tag}.sql`), path.join(folder, `${tag}.sql`));
  return { folder, count: entries.length };
}

describe.each(POOLED_DATABASE_KINDS)("accounts migration on %s", (kind) => {
  let database: TestDatabase;
  let db: Database;
  let before: Snapshot;
  let after: Snapshot;
  let oldFolder: string;

  beforeAll(async () => {
    const old = migrationsBeforeAccounts();
    oldFolder = old.folder;
    database = await createEmptyDatabase(kind);
    db = database.db;
    // Today's schema, applied as drizzle's migrator applies it (the same table and hashes the app's
    // migrate uses, so the app's migrate later applies only what is new).
    if (database.kind === "pglite") {
      await migratePglite(db as unknown as Parameters<typeof migratePglite>[0], { migrationsFolder: old.folder });
    } else {
      await migratePostgres(db as unknown as Parameters<typeof migratePostgres>[0], { migrationsFolder: old.folder });
    }
    const [{ n }] = await selectRows<{ n: number }>(db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(Number(n)).toBe(old.count);
    for (const statement of SEED) await db.execute(sql.raw(statement));
    before = await snapshot(db);
    // The app's own migrate, on the full folder: the accounts migration and anything after it.
    await database.migrate();
    after = await snapshot(db);
    setAppDatabase(database);
  });

  afterAll(async () => {
    await database?.destroy();
    if (oldFolder) rmSync(oldFolder, { recursive: true, force: true });
  });

  it("started from today's schema, with rows in every table", () => {
    expect(before.columns.has("accounts")).toBe(false);
    expect(before.columns.get("subscriptions")).toContain("user_id");
    expect(before.columns.get("users")).toContain("current_mrr");
    for (const [table, rows] of before.rows) expect(rows.length, `rows seeded in ${table}`).toBeGreaterThan(0);
  });

  it("keeps every row of every table with the same values; user_id is account_id in the billing tables", () => {
    const renamed: string[] = [];
    const dropped: string[] = [];
    for (const [table, oldColumns] of before.columns) {
      const newColumns = after.columns.get(table);
      expect(newColumns, `table ${table} still exists`).toBeDefined();
      const mapped = new Map<string, string>();
      for (const column of oldColumns) {
        if (newColumns?.includes(column)) mapped.set(column, column);
        else if (column === "user_id" && newColumns?.includes("account_id")) {
          mapped.set(column, "account_id");
          renamed.push(table);
        } else dropped.push(`${table}.${column}`);
      }
      const kept = oldColumns.filter((c) => mapped.has(c));
      const oldRows = (before.rows.get(table) ?? []).map((row) => {
        const moved: Row = Object.fromEntries(kept.map((c) => [mapped.get(c) as string, row[c]]));
        // Audit entries about a customer now name the account (the same id).
        if (table === "audit_log" && moved.target_type === "user") moved.target_type = "account";
        return canonical(
          moved,
          kept.map((c) => mapped.get(c) as string),
        );
      });
      const newRows = (after.rows.get(table) ?? []).map((row) =>
        canonical(
          row,
          kept.map((c) => mapped.get(c) as string),
        ),
      );
      expect(newRows.sort(), `rows of ${table}`).toEqual(oldRows.sort());
    }
    expect(renamed.sort()).toEqual(BILLING_TABLES);
    for (const table of USER_TABLES) expect(after.columns.get(table)).toContain("user_id");
    // The one column that goes: users.current_mrr, which moves to accounts (checked below).
    expect(dropped).toEqual(["users.current_mrr"]);
  });

  it("points every billing table's account_id at accounts", async () => {
    const rows = await selectRows<{ table_name: string }>(
      db,
      sql`select cl.relname as table_name from pg_constraint k
          join pg_class cl on cl.oid = k.conrelid
          join pg_attribute a on a.attrelid = k.conrelid and a.attnum = any (k.conkey)
          where k.contype = 'f' and k.confrelid = 'public.accounts'::regclass and a.attname = 'account_id'
            and cl.relname <> 'memberships' and cl.relname <> 'invitations'
          order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(BILLING_TABLES));
    await expect(
      db.execute(sql`insert into api_keys (account_id, name, prefix, key_hash) values (gen_random_uuid(), 'x', 'sk_x', 'no-such-account')`),
    ).rejects.toThrow();
  });

  it("gives each user exactly one personal account with the user's id, and an owner membership", async () => {
    const accounts = await selectRows<{ id: string; kind: string; name: string; personal_user_id: string; created_at: string }>(
      db,
      sql`select id, kind, name, personal_user_id, created_at::text as created_at from accounts order by id`,
    );
    const users = before.rows.get("users") ?? [];
    expect(accounts).toEqual(
      [...users]
        .sort((a, b) => String(a.id).localeCompare(String(b.id)))
        .map((u) => ({
          id: u.id,
          kind: "personal",
          name: u.name ? u.name : u.email,
          personal_user_id: u.id,
          created_at: expect.any(String),
        })),
    );
    const sameCreation = await selectRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from accounts a join users u on u.id = a.id where a.created_at = u.created_at`,
    );
    expect(Number(sameCreation[0].n)).toBe(users.length);
    const memberships = await selectRows<{ account_id: string; user_id: string; role: string }>(
      db,
      sql`select account_id, user_id, role from memberships order by account_id`,
    );
    expect(memberships).toEqual([...USERS].sort().map((id) => ({ account_id: id, user_id: id, role: "owner" })));
    expect(await selectRows(db, sql`select * from invitations`)).toEqual([]);
  });

  it("moves MRR to accounts.current_mrr with the same values, and keeps it up to date", async () => {
    const oldMrr = new Map((before.rows.get("users") ?? []).map((u) => [u.id as string, u.current_mrr]));
    // Not vacuous: the 0006 trigger had computed Alice's Pro (19.00/month) and Dave's Scale yearly (990.00/12).
    expect(Object.fromEntries(oldMrr)).toEqual({ [ALICE]: "1900", [BOB]: "0", [CAROL]: "0", [DAVE]: "8250" });
    const newMrr = await selectRows<{ id: string; current_mrr: string }>(
      db,
      sql`select id, current_mrr::text as current_mrr from accounts`,
    );
    expect(Object.fromEntries(newMrr.map((a) => [a.id, a.current_mrr]))).toEqual(Object.fromEntries(oldMrr));
    await db.execute(sql`update subscriptions set quantity = 3 where id = ${ALICE_SUB}`);
    const [alice] = await selectRows<{ current_mrr: string }>(
      db,
      sql`select current_mrr::text as current_mrr from accounts where id = ${ALICE}`,
    );
    expect(alice.current_mrr).toBe("5700");
    await db.execute(sql`update subscriptions set quantity = 1 where id = ${ALICE_SUB}`);
  });

  it("audit entries about users now target their accounts", () => {
    const oldUserTargets = (before.rows.get("audit_log") ?? []).filter((r) => r.target_type === "user");
    expect(oldUserTargets).toHaveLength(3);
    const newRows = after.rows.get("audit_log") ?? [];
    expect(newRows.filter((r) => r.target_type === "user")).toEqual([]);
    expect(
      newRows
        .filter((r) => r.target_type === "account")
        .map((r) => [r.id, r.target_id])
        .sort(),
    ).toEqual(oldUserTargets.map((r) => [r.id, r.target_id]).sort());
    expect(newRows.find((r) => r.target_type === "subscription")?.target_id).toBe(ALICE_SUB);
  });

  it("an API key belongs to the same account and records its creator", () => {
    const keys = after.rows.get("api_keys") ?? [];
    expect(keys.map((k) => [k.id, k.account_id, k.created_by]).sort()).toEqual(
      [
        [ALICE_KEY, ALICE, ALICE],
        [BOB_KEY, BOB, BOB],
      ].sort(),
    );
  });

  it("answers every quota exactly as the seeded usage and the catalog give", async () => {
    for (const id of USERS) {
      expect(await getQuota(id, NOW), `quota of ${id}`).toEqual(expectedQuota(id));
    }
  });

  it("metering goes on from the migrated rows: a retried key answers its first result, new usage counts from the migrated total", async () => {
    // A key recorded before the migration is still known (the renamed unique index): counted once.
    expect(await consume(ALICE, "jobs", 40, { idempotencyKey: "alice-j-1", now: NOW })).toMatchObject({
      allowed: true,
      duplicate: true,
      used: 40,
    });
    const seeded = SEEDED[ALICE];
    const limit = seeded.overrides.jobs as number;
    expect(await consume(ALICE, "jobs", 1, { idempotencyKey: "after-migration", now: NOW })).toMatchObject({
      allowed: true,
      used: seeded.used.jobs + 1,
      limit,
      remaining: limit - seeded.used.jobs - 1,
    });
    // Bob used his whole Free allowance before the migration: still refused after it.
    expect(await consume(BOB, "jobs", 1, { idempotencyKey: "after-migration", now: NOW })).toMatchObject({
      allowed: false,
      used: SEEDED[BOB].used.jobs,
    });
    expect((await getQuota(ALICE, NOW)).meters.jobs.used).toBe(seeded.used.jobs + 1);
  });

  it("a user created after the migration gets a personal account and an owner membership; renaming the user renames it", async () => {
    const [user] = await selectRows<{ id: string }>(
      db,
      sql`insert into users (email, name) values ('new@example.com', 'New Person') returning id`,
    );
    expect(await selectRows(db, sql`select id, kind, name, personal_user_id from accounts where personal_user_id = ${user.id}`)).toEqual([
      { id: user.id, kind: "personal", name: "New Person", personal_user_id: user.id },
    ]);
    expect(await selectRows(db, sql`select account_id, user_id, role from memberships where user_id = ${user.id}`)).toEqual([
      { account_id: user.id, user_id: user.id, role: "owner" },
    ]);
    const accountName = async (id: string) =>
      (await selectRows<{ name: string }>(db, sql`select name from accounts where id = ${id}`))[0].name;
    await db.execute(sql`update users set name = 'Renamed Person' where id = ${user.id}`);
    expect(await accountName(user.id)).toBe("Renamed Person");
    await db.execute(sql`update users set name = null where id = ${user.id}`);
    expect(await accountName(user.id)).toBe("new@example.com");
    await db.execute(sql`update users set email = 'newer@example.com' where id = ${user.id}`);
    expect(await accountName(user.id)).toBe("newer@example.com");
    // A migrated user too.
    await db.execute(sql`update users set name = 'Alice B. Example' where id = ${ALICE}`);
    expect(await accountName(ALICE)).toBe("Alice B. Example");
  });

  it("a user created after the migration starts on Free with nothing used", async () => {
    const [user] = await selectRows<{ id: string }>(db, sql`insert into users (email) values ('later@example.com') returning id`);
    const quota = await getQuota(user.id, NOW);
    expect(quota.plan.id).toBe("free");
    expect(METER_IDS.map((m) => quota.meters[m].used)).toEqual(METER_IDS.map(() => 0));
  });
});
