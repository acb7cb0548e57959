/**
 * The invariant checker: does the database say exactly what Stripe says? Every subscription,
 * invoice and customer link is compared field by field; the result lists each difference (the
 * target is none). Used by the webhook benchmark and the chaos soak; `checkClusterInvariants` adds the
 * cluster soak's checks (quota, usage counted once, webhooks, meter events, notifications).
 */
import { eq, inArray, sql, type SQL } from "drizzle-orm";
import type Stripe from "stripe";
import { selectRows, type Database } from "@/db/client";
import { accounts, billingCustomers, invoices, subscriptions } from "@/db/schema";
import { invoiceSnapshot, subscriptionSnapshot } from "@/lib/stripe/mapping";

const same = (a: unknown, b: unknown) =>
  a instanceof Date || b instanceof Date ? (a as Date | null)?.getTime?.() === (b as Date | null)?.getTime?.() : a === b;

function compareFields<T extends object>(label: string, storedRow: object, truthRow: T, fields: Array<keyof T & string>): string[] {
  const stored = storedRow as Record<string, unknown>;
  const truth = truthRow as Record<string, unknown>;
  return fields
    .filter((field) => !same(stored[field] ?? null, truth[field] ?? null))
    .map(
      (field) =>
        `${label}: ${field} is ${JSON.stringify(stored[field] ?? null)} in the database, ${JSON.stringify(truth[field] ?? null)} in Stripe`,
    );
}

async function all<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) items.push(item);
  return items;
}

export interface InvariantReport {
  subscriptions: number;
  invoices: number;
  customers: number;
  /** The accounts those customers were made for, by kind. */
  accounts: { personal: number; organization: number };
  differences: string[];
}

/** The account a Stripe customer was made for (`userId` on customers made before accounts: the same id). */
const ownerOf = (customer: { metadata?: Record<string, string> | null }) => customer.metadata?.accountId ?? customer.metadata?.userId;

/** Compares the database with Stripe for every customer whose metadata names one of our accounts. */
export async function checkInvariants(db: Database, stripe: Stripe): Promise<InvariantReport> {
  const differences: string[] = [];
  const customers = (await all(stripe.customers.list({ limit: 100 }))).filter((c) => ownerOf(c));
  const ours = new Set(customers.map((c) => c.id));
  const accountOfCustomer = new Map(customers.map((c) => [c.id, ownerOf(c) as string]));

  // One Stripe customer per account, and our link points at it.
  const links = new Map((await db.select().from(billingCustomers)).map((row) => [row.accountId, row]));
  const byUser = new Map<string, string[]>();
  for (const customer of customers) byUser.set(ownerOf(customer)!, [...(byUser.get(ownerOf(customer)!) ?? []), customer.id]);
  for (const [userId, ids] of byUser) {
    if (ids.length > 1) differences.push(`account ${userId}: ${ids.length} Stripe customers (${ids.join(", ")})`);
    const link = links.get(userId);
    if (!link) differences.push(`account ${userId}: no billing_customers link (Stripe has ${ids.join(", ")})`);
    else if (!ids.includes(link.providerCustomerId))
      differences.push(`account ${userId}: linked to ${link.providerCustomerId}, Stripe has ${ids.join(", ")}`);
  }

  const stripeSubscriptions = (await all(stripe.subscriptions.list({ status: "all", limit: 100 }))).filter((s) =>
    ours.has(typeof s.customer === "string" ? s.customer : s.customer.id),
  );
  const storedSubscriptions = new Map(
    (await db.select().from(subscriptions).where(eq(subscriptions.provider, "stripe"))).map((row) => [row.providerSubscriptionId, row]),
  );
  for (const subscription of stripeSubscriptions) {
    const stored = storedSubscriptions.get(subscription.id);
    storedSubscriptions.delete(subscription.id);
    if (!stored) {
      differences.push(`subscription ${subscription.id}: missing from the database (Stripe: ${subscription.status})`);
      continue;
    }
    // Per account: the subscription is stored on the account its customer was made for.
    const account = accountOfCustomer.get(typeof subscription.customer === "string" ? subscription.customer : subscription.customer.id);
    if (stored.accountId !== account)
      differences.push(`subscription ${subscription.id}: on account ${stored.accountId}, its Stripe customer is account ${account}'s`);
    const truth = subscriptionSnapshot(subscription);
    differences.push(
      ...compareFields(`subscription ${subscription.id}`, stored, truth, [
        "status",
        "priceId",
        "cancelAtPeriodEnd",
        "currentPeriodStart",
        "currentPeriodEnd",
        "trialEnd",
        "endedAt",
      ]),
    );
  }
  for (const id of storedSubscriptions.keys()) differences.push(`subscription ${id}: in the database but not in Stripe`);

  let invoiceCount = 0;
  const storedInvoices = new Map((await db.select().from(invoices)).map((row) => [row.providerInvoiceId, row]));
  for (const customer of customers) {
    for (const invoice of await all(stripe.invoices.list({ customer: customer.id, limit: 100 }))) {
      invoiceCount += 1;
      const stored = storedInvoices.get(invoice.id as string);
      storedInvoices.delete(invoice.id as string);
      if (!stored) {
        differences.push(`invoice ${invoice.id}: missing from the database (Stripe: ${invoice.status})`);
        continue;
      }
      if (stored.accountId !== ownerOf(customer))
        differences.push(`invoice ${invoice.id}: on account ${stored.accountId}, its Stripe customer is account ${ownerOf(customer)}'s`);
      const truth = invoiceSnapshot(invoice);
      differences.push(
        ...compareFields(`invoice ${invoice.id}`, stored, truth, ["status", "total", "amountDue", "amountPaid", "attemptCount"]),
      );
    }
  }
  for (const id of storedInvoices.keys()) differences.push(`invoice ${id}: in the database but not in Stripe`);

  // Each account's MRR (kept by a trigger on subscriptions, migration 0011) is what its subscriptions make.
  const mrr = await selectRows<{ id: string; current_mrr: unknown; expected: unknown }>(
    db,
    sql`select id, current_mrr, account_current_mrr(id) as expected from accounts where current_mrr <> account_current_mrr(id)`,
  );
  for (const a of mrr) differences.push(`account ${a.id}: current_mrr ${n(a.current_mrr)}, its subscriptions make ${n(a.expected)}`);
  const owners = [...byUser.keys()];
  const kinds = owners.length ? await db.select({ kind: accounts.kind }).from(accounts).where(inArray(accounts.id, owners)) : [];
  const accountCounts = {
    personal: kinds.filter((k) => k.kind === "personal").length,
    organization: kinds.filter((k) => k.kind === "organization").length,
  };
  if (kinds.length !== owners.length)
    differences.push(`${owners.length - kinds.length} Stripe customer(s) name an account that does not exist`);

  return {
    subscriptions: stripeSubscriptions.length,
    invoices: invoiceCount,
    customers: customers.length,
    accounts: accountCounts,
    differences,
  };
}

/** What the driver was told per user and idempotency key: allowed (counted) or refused. */
export type UsageLedger = Map<string, Map<string, { quantity: number; allowed: boolean }>>;

export interface ClusterInvariantReport {
  counters: number;
  usageEvents: number;
  /** Keys the app refused (402): none of them may have left a usage event. */
  refusedKeys: number;
  /** Usage events with billable overage (all must be reported, once). */
  billableEvents: number;
  /** Sum of the Stripe meter's event summaries over our customers. */
  meterEventUnits: number;
  webhookEvents: Record<string, number>;
  /** Events whose processing ran more than once (a failed attempt, then a retry). */
  webhookRetriedProcessing: number;
  notifications: Record<string, number>;
  mails: number;
  differences: string[];
}

const n = (value: unknown) => Number(value);

/**
 * The cluster soak's checks beyond Stripe parity: no quota exceeded, every usage event counted once
 * (counters equal their events; each key the driver was answered once, refused keys nowhere), every
 * webhook event processed once, every billable usage event reported once to the Stripe meter, and no
 * customer email sent twice.
 */
export async function checkClusterInvariants(
  db: Database,
  stripe: Stripe,
  input: {
    ledger: UsageLedger;
    mails: Array<{ to: string }>;
    deliveries: Array<{ event_id: string; event_type: string; status_code: number | null }>;
    /** Events from before the balancer listened (the catalog set-up): not the soak's. */
    before?: Set<string>;
    /** Unix seconds around every meter event timestamp (test clocks move them forward). */
    from: number;
    to: number;
  },
): Promise<ClusterInvariantReport> {
  const differences: string[] = [];
  const rows = <T>(query: SQL) => selectRows<T>(db, query);

  // Counters equal the sum of their events; reservations held equal the pending ones.
  const counters = await rows<{
    account_id: string;
    meter: string;
    period_start: string;
    used: unknown;
    reserved: unknown;
    events: unknown;
    pending: unknown;
  }>(sql`
    select c.account_id, c.meter, c.period_start::text, c.used, c.reserved,
      coalesce((select sum(e.quantity) from usage_events e where e.account_id = c.account_id and e.meter = c.meter and e.period_start = c.period_start), 0) as events,
      coalesce((select sum(r.quantity) from usage_reservations r where r.account_id = c.account_id and r.meter = c.meter and r.period_start = c.period_start and r.status = 'pending'), 0) as pending
    from usage_counters c`);
  for (const c of counters) {
    if (n(c.used) !== n(c.events))
      differences.push(`counter ${c.account_id}/${c.meter}/${c.period_start}: used ${n(c.used)}, its events sum to ${n(c.events)}`);
    if (n(c.reserved) !== n(c.pending))
      differences.push(
        `counter ${c.account_id}/${c.meter}/${c.period_start}: reserved ${n(c.reserved)}, pending reservations ${n(c.pending)}`,
      );
  }
  const orphans = await rows<{ count: unknown }>(sql`
    select count(*) from usage_events e where not exists (
      select 1 from usage_counters c where c.account_id = e.account_id and c.meter = e.meter and c.period_start = e.period_start)`);
  if (n(orphans[0]?.count) > 0) differences.push(`${n(orphans[0]?.count)} usage events without their counter`);

  // No quota exceeded: the included part of every event fitted under the limit in force then
  // (a `block` meter has no billable part; a `bill` meter's excess is billable overage).
  const events = await rows<{
    id: string;
    account_id: string;
    meter: string;
    quantity: unknown;
    idempotency_key: string | null;
    used_after: unknown;
    limit_at: unknown;
    billable_quantity: unknown;
    reported_at: unknown;
  }>(sql`
    select id, account_id, meter, quantity, idempotency_key, used_after, limit_at, billable_quantity, reported_at from usage_events`);
  for (const e of events) {
    const q = n(e.quantity);
    if (q <= 0 || e.used_after === null || e.limit_at === null) continue;
    const before = n(e.used_after) - q;
    const included = q - n(e.billable_quantity);
    if (included > Math.max(0, n(e.limit_at) - before)) {
      differences.push(
        `usage event ${e.id} (${e.meter}): ${q} on top of ${before} with limit ${n(e.limit_at)} (${n(e.billable_quantity)} billable): quota exceeded`,
      );
    }
  }

  // Every key counted once and as answered; refused keys nowhere.
  const byKey = new Map<string, typeof events>();
  for (const e of events) {
    if (!e.idempotency_key) continue;
    const k = `${e.account_id} ${e.idempotency_key}`;
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  let refusedKeys = 0;
  for (const [userId, keys] of input.ledger) {
    for (const [key, answer] of keys) {
      const stored = byKey.get(`${userId} ${key}`) ?? [];
      byKey.delete(`${userId} ${key}`);
      if (!answer.allowed) {
        refusedKeys += 1;
        if (stored.length > 0) differences.push(`account ${userId}: key ${key} was refused but recorded ${stored.length} time(s)`);
      } else if (stored.length !== 1 || n(stored[0].quantity) !== answer.quantity) {
        differences.push(
          `account ${userId}: key ${key} (${answer.quantity}) was allowed and recorded ${stored.length} time(s)${stored[0] ? ` with ${n(stored[0].quantity)}` : ""}`,
        );
      }
    }
  }
  for (const [k, stored] of byKey)
    if (k.includes(" soak-")) differences.push(`usage event(s) for key ${k} the driver was never answered (${stored.length})`);

  // Every webhook event processed once: stored once (primary key), every one acknowledged with a
  // 2xx is in the inbox, none left received or failed.
  const webhookRows = await rows<{ id: string; status: string; attempts: unknown }>(sql`select id, status, attempts from webhook_events`);
  const webhookEvents: Record<string, number> = {};
  const stored = new Set<string>();
  for (const w of webhookRows) {
    webhookEvents[w.status] = (webhookEvents[w.status] ?? 0) + 1;
    stored.add(w.id);
    if (w.status !== "processed" && w.status !== "ignored") differences.push(`webhook event ${w.id}: ${w.status}`);
  }
  const acknowledged = new Set(
    input.deliveries.filter((d) => d.status_code !== null && d.status_code >= 200 && d.status_code < 300).map((d) => d.event_id),
  );
  const types = new Map(input.deliveries.map((d) => [d.event_id, d.event_type]));
  for (const [d, type] of types) {
    if (input.before?.has(d)) continue;
    if (!acknowledged.has(d)) differences.push(`webhook event ${d} (${type}): never acknowledged by the cluster`);
    else if (!stored.has(d)) differences.push(`webhook event ${d} (${type}): acknowledged but not in the inbox`);
  }

  // Every billable usage event reported, and each once: the Stripe meter holds exactly our units
  // per customer (the meter dedupes identifiers, so a second send could only hide, never add; the
  // sum catches a lost one, the reporter's duplicates count shows resends).
  const billable = events.filter((e) => n(e.billable_quantity) > 0);
  for (const e of billable)
    if (!e.reported_at) differences.push(`usage event ${e.id}: ${n(e.billable_quantity)} billable units never reported`);
  const perCustomer = await rows<{ customer: string; units: unknown }>(sql`
    select bc.provider_customer_id as customer, sum(e.billable_quantity) as units
    from usage_events e join billing_customers bc on bc.account_id = e.account_id and bc.deleted_at is null
    where e.billable_quantity > 0 group by bc.provider_customer_id`);
  let meterEventUnits = 0;
  const meters = (await all(stripe.billing.meters.list({ limit: 100 }))).filter((m) => m.status === "active");
  const customerIds = new Set([
    ...perCustomer.map((p) => p.customer),
    ...(await db.select({ id: billingCustomers.providerCustomerId }).from(billingCustomers)).map((r) => r.id),
  ]);
  const expected = new Map(perCustomer.map((p) => [p.customer, n(p.units)]));
  for (const customer of customerIds) {
    let units = 0;
    for (const meter of meters) {
      for (const summary of await all(
        stripe.billing.meters.listEventSummaries(meter.id, { customer, start_time: input.from, end_time: input.to, limit: 100 }),
      )) {
        units += summary.aggregated_value;
      }
    }
    meterEventUnits += units;
    if (units !== (expected.get(customer) ?? 0))
      differences.push(`customer ${customer}: ${units} units at the Stripe meter, ${expected.get(customer) ?? 0} billable in the database`);
  }

  // No notification sent twice: one row per (event, kind) (unique index), none left to send, and
  // the SMTP server received exactly one email per sent row, per recipient.
  const notificationRows = await rows<{ status: string; to_email: string; source_event_id: string; kind: string }>(
    sql`select status, to_email, source_event_id, kind from notifications`,
  );
  const notifications: Record<string, number> = {};
  const sentTo = new Map<string, number>();
  for (const row of notificationRows) {
    notifications[row.status] = (notifications[row.status] ?? 0) + 1;
    if (row.status === "sent") sentTo.set(row.to_email, (sentTo.get(row.to_email) ?? 0) + 1);
    else differences.push(`notification ${row.kind} for ${row.source_event_id}: ${row.status}`);
  }
  const mailedTo = new Map<string, number>();
  for (const mail of input.mails) mailedTo.set(mail.to, (mailedTo.get(mail.to) ?? 0) + 1);
  for (const to of new Set([...sentTo.keys(), ...mailedTo.keys()])) {
    if ((sentTo.get(to) ?? 0) !== (mailedTo.get(to) ?? 0))
      differences.push(`${to}: ${sentTo.get(to) ?? 0} notifications sent, ${mailedTo.get(to) ?? 0} emails received`);
  }

  return {
    counters: counters.length,
    usageEvents: events.length,
    refusedKeys,
    billableEvents: billable.length,
    meterEventUnits,
    webhookEvents,
    webhookRetriedProcessing: webhookRows.filter((w) => n(w.attempts) > 1).length,
    notifications,
    mails: input.mails.length,
    differences,
  };
}
