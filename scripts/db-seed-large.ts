/**
 * Seeds a large data set for the admin console's scale benchmark: SEED_CUSTOMERS customers
 * (default 100,000) with Stripe customers, subscriptions in every status, invoices and usage, and
 * SEED_WEBHOOK_EVENTS webhook events (default 1,000,000). Set-based SQL (generate_series), so it
 * takes seconds on Postgres.
 *
 *   DATABASE_URL=postgres://… npm run db:seed:large
 *
 * Seeded rows are recognisable (emails `seed-N@large.example`, ids `*_seed_*`); running it again
 * replaces them and touches nothing else.
 */
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { databaseOptionsFromEnv, openDatabase, type Database } from "@/db/client";
import { runScript } from "./lib/run-script";

const CUSTOMERS = Number(process.env.SEED_CUSTOMERS ?? 100_000);
const EVENTS = Number(process.env.SEED_WEBHOOK_EVENTS ?? 1_000_000);

async function step(label: string, run: () => Promise<unknown>) {
  const started = performance.now();
  await run();
  console.log(`${label.padEnd(28)} ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

export async function seedLarge(db: Database, customers = CUSTOMERS, events = EVENTS): Promise<void> {
  await step("remove earlier seed", async () => {
    await db.execute(sql`delete from webhook_events where id like 'evt_seed_%'`);
    await db.execute(sql`delete from invoices where provider_invoice_id like 'in_seed_%'`);
    await db.execute(sql`delete from audit_log where target_type = 'seed'`);
    await db.execute(sql`delete from users where email like 'seed-%@large.example'`); // cascades
  });
  await step(`users (${customers})`, () =>
    // Verified, or the delivery job's expiry of unverified accounts would delete the free ones.
    db.execute(sql`insert into users (email, name, created_at, email_verified_at)
      select 'seed-' || g || '@large.example', 'Seed customer ' || g, t, t
      from generate_series(1, ${customers}) g, lateral (select now() - ((${customers} - g) * interval '9 minutes')) as seed_time(t)`),
  );
  // 80 % have a Stripe customer and one subscription; the rest are on the free plan.
  await step("billing customers", () =>
    db.execute(sql`insert into billing_customers (account_id, provider_customer_id, email, created_at)
      select id, 'cus_seed_' || split_part(split_part(email, '@', 1), '-', 2), email, created_at
      from users where email like 'seed-%@large.example' and split_part(split_part(email, '@', 1), '-', 2)::int % 5 <> 0`),
  );
  await step("subscriptions", () =>
    db.execute(sql`insert into subscriptions (account_id, billing_customer_id, provider_subscription_id, status, plan_id,
        price_lookup_key, interval, unit_amount, currency, current_period_start, current_period_end, trial_start, trial_end,
        cancel_at_period_end, canceled_at, ended_at, created_at)
      select c.account_id, c.id, 'sub_seed_' || n, s.status, p.plan, p.plan || case when n % 4 = 0 then '_yearly' else '_monthly' end,
        case when n % 4 = 0 then 'year' else 'month' end,
        case when p.plan = 'pro' then (case when n % 4 = 0 then 19000 else 1900 end) else (case when n % 4 = 0 then 99000 else 9900 end) end,
        'usd', now() - interval '10 days', now() + interval '20 days',
        case when s.status = 'trialing' or n % 9 = 0 then c.created_at end,
        case when s.status = 'trialing' then now() + interval '5 days' when n % 9 = 0 then c.created_at + interval '14 days' end,
        s.status = 'active' and n % 13 = 0,
        case when s.status = 'canceled' then now() - (n % 60) * interval '1 day' end,
        case when s.status = 'canceled' then now() - (n % 60) * interval '1 day' end,
        c.created_at
      from (select bc.*, split_part(bc.provider_customer_id, '_', 3)::int as n from billing_customers bc
            where bc.provider_customer_id like 'cus_seed_%') c
      cross join lateral (select case when c.n % 10 < 6 then 'active' when c.n % 10 = 6 then 'trialing'
        when c.n % 10 = 7 then 'past_due' else 'canceled' end as status) s
      cross join lateral (select case when c.n % 3 = 0 then 'scale' else 'pro' end as plan) p`),
  );
  await step("invoices (2 per subscription)", () =>
    db.execute(sql`insert into invoices (account_id, billing_customer_id, provider_invoice_id, provider_customer_id, provider_subscription_id,
        number, status, billing_reason, currency, subtotal, total, amount_due, amount_paid, amount_remaining, attempt_count,
        paid_at, provider_created_at)
      select s.account_id, s.billing_customer_id, 'in_seed_' || k || '_' || s.provider_subscription_id, null, s.provider_subscription_id,
        'SEED-' || k || '-' || split_part(s.provider_subscription_id, '_', 3),
        case when k = 2 and s.status = 'past_due' then 'open' else 'paid' end,
        case when k = 1 then 'subscription_create' else 'subscription_cycle' end,
        'usd', s.unit_amount, s.unit_amount, s.unit_amount,
        case when k = 2 and s.status = 'past_due' then 0 else s.unit_amount end,
        case when k = 2 and s.status = 'past_due' then s.unit_amount else 0 end,
        case when k = 2 and s.status = 'past_due' then 3 else 1 end,
        case when k = 2 and s.status = 'past_due' then null else s.created_at + (k - 1) * interval '30 days' end,
        s.created_at + (k - 1) * interval '30 days'
      from subscriptions s cross join generate_series(1, 2) k
      where s.provider_subscription_id like 'sub_seed_%'`),
  );
  await step("usage counters", () =>
    db.execute(sql`insert into usage_counters (account_id, meter, period_start, period_end, used)
      select s.account_id, 'api_calls', s.current_period_start, s.current_period_end, (split_part(s.provider_subscription_id, '_', 3)::int * 7919) % 60000
      from subscriptions s where s.provider_subscription_id like 'sub_seed_%' and s.status in ('active', 'trialing', 'past_due')`),
  );
  await step(`webhook events (${events})`, () =>
    db.execute(sql`insert into webhook_events (id, type, object_id, provider_created_at, payload, status, attempts, last_error, received_at, processed_at)
      select 'evt_seed_' || g, t.type, 'sub_seed_' || (1 + g % ${customers}),
        now() - g * interval '2 seconds',
        jsonb_build_object('id', 'evt_seed_' || g, 'object', 'event', 'type', t.type,
          'data', jsonb_build_object('object', jsonb_build_object('id', 'sub_seed_' || (1 + g % ${customers})))),
        case when g % 500 = 0 then 'failed' when g % 41 = 0 then 'ignored' else 'processed' end,
        case when g % 500 = 0 then 3 else 1 end,
        case when g % 500 = 0 then 'seeded failure' end,
        now() - g * interval '2 seconds',
        case when g % 500 = 0 then null else now() - g * interval '2 seconds' + interval '40 milliseconds' end
      from generate_series(1, ${events}) g
      cross join lateral (select (array['customer.subscription.updated', 'invoice.paid', 'invoice.payment_failed',
        'customer.subscription.created', 'checkout.session.completed', 'invoice.finalized'])[1 + g % 6] as type) t`),
  );
  await step("audit log", () =>
    db.execute(sql`insert into audit_log (action, target_type, target_id, data, created_at)
      select 'seed.example', 'seed', 'seed-' || g, '{}'::jsonb, now() - g * interval '1 minute' from generate_series(1, 10000) g`),
  );
  await step("analyze", () => db.execute(sql`analyze`));
}

if (require.main === module) {
  runScript(async () => {
    const options = databaseOptionsFromEnv();
    if (!options.url)
      console.warn(
        "DATABASE_URL is not set: seeding the embedded PGlite database (slow at this size; Postgres is what the benchmark targets).",
      );
    // Bulk inserts of a million rows legitimately outlast the app's 5 s statement timeout.
    const handle = await openDatabase({ ...options, timeouts: options.timeouts && { ...options.timeouts, statementMs: 0 } });
    try {
      await handle.migrate();
      const started = performance.now();
      await seedLarge(handle.db);
      console.log(`seeded ${CUSTOMERS} customers and ${EVENTS} webhook events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await handle.close();
    }
  });
}
