/**
 * The invariant checker: does the database say exactly what Stripe says? Every subscription,
 * invoice and customer link is compared field by field; the result lists each difference (the
 * target is none). Used by the webhook benchmark and the chaos soak.
 */
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Database } from "@/db/client";
import { billingCustomers, invoices, subscriptions } from "@/db/schema";
import { invoiceSnapshot, subscriptionSnapshot } from "@/lib/stripe/mapping";

const same = (a: unknown, b: unknown) =>
  a instanceof Date || b instanceof Date ? (a as Date | null)?.getTime?.() === (b as Date | null)?.getTime?.() : a === b;

function compareFields<T extends object>(label: string, storedRow: object, truthRow: T, fields: Array<keyof T & string>): string[] {
  const stored = storedRow as Record<string, unknown>;
  const truth = truthRow as Record<string, unknown>;
  return fields
    .filter((field) => !same(stored[field] ?? null, truth[field] ?? null))
    .map((field) => `${label}: ${field} is ${JSON.stringify(stored[field] ?? null)} in the database, ${JSON.stringify(truth[field] ?? null)} in Stripe`);
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
  differences: string[];
}

/** Compares the database with Stripe for every customer whose metadata names one of our users. */
export async function checkInvariants(db: Database, stripe: Stripe): Promise<InvariantReport> {
  const differences: string[] = [];
  const customers = (await all(stripe.customers.list({ limit: 100 }))).filter((c) => c.metadata?.userId);
  const ours = new Set(customers.map((c) => c.id));

  // One Stripe customer per user, and our link points at it.
  const links = new Map((await db.select().from(billingCustomers)).map((row) => [row.userId, row]));
  const byUser = new Map<string, string[]>();
  for (const customer of customers) byUser.set(customer.metadata.userId, [...(byUser.get(customer.metadata.userId) ?? []), customer.id]);
  for (const [userId, ids] of byUser) {
    if (ids.length > 1) differences.push(`user ${userId}: ${ids.length} Stripe customers (${ids.join(", ")})`);
    const link = links.get(userId);
    if (!link) differences.push(`user ${userId}: no billing_customers link (Stripe has ${ids.join(", ")})`);
    else if (!ids.includes(link.providerCustomerId)) differences.push(`user ${userId}: linked to ${link.providerCustomerId}, Stripe has ${ids.join(", ")}`);
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
      const truth = invoiceSnapshot(invoice);
      differences.push(...compareFields(`invoice ${invoice.id}`, stored, truth, ["status", "total", "amountDue", "amountPaid", "attemptCount"]));
    }
  }
  for (const id of storedInvoices.keys()) differences.push(`invoice ${id}: in the database but not in Stripe`);

  return { subscriptions: stripeSubscriptions.length, invoices: invoiceCount, customers: customers.length, differences };
}
