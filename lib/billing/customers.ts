import { eq } from "drizzle-orm";
import { getDb, type Queryable } from "@/db/client";
import { withAdvisoryLock } from "@/db/locks";
import { billingCustomers, users, type BillingCustomer } from "@/db/schema";
import { createCustomer, retrieveCustomer } from "@/lib/stripe/gateway";

export async function findBillingCustomer(db: Queryable, userId: string): Promise<BillingCustomer | undefined> {
  const [row] = await db.select().from(billingCustomers).where(eq(billingCustomers.userId, userId)).limit(1);
  return row;
}

export async function findBillingCustomerByProviderId(db: Queryable, providerCustomerId: string): Promise<BillingCustomer | undefined> {
  const [row] = await db
    .select()
    .from(billingCustomers)
    .where(eq(billingCustomers.providerCustomerId, providerCustomerId))
    .limit(1);
  return row;
}

/**
 * The user's Stripe customer, created on first need. A per-user advisory lock plus a Stripe
 * idempotency key make concurrent first clicks end with exactly one customer, in Stripe and here.
 */
export async function ensureBillingCustomer(user: { id: string; email: string; name?: string | null }): Promise<BillingCustomer> {
  const db = await getDb();
  const existing = await findBillingCustomer(db, user.id);
  if (existing && !existing.deletedAt) return existing;
  return withAdvisoryLock(db, `billing_customer:${user.id}`, async (tx) => {
    const current = await findBillingCustomer(tx, user.id);
    if (current && !current.deletedAt) return current;
    const customer = await createCustomer({
      userId: user.id,
      email: user.email,
      name: user.name,
      // A new key after a deletion, so Stripe does not replay the deleted customer.
      idempotencyKey: `customer:${user.id}:${current?.providerCustomerId ?? "first"}`,
    });
    const [row] = await tx
      .insert(billingCustomers)
      .values({ userId: user.id, provider: "stripe", providerCustomerId: customer.id, email: user.email })
      .onConflictDoUpdate({
        target: billingCustomers.userId,
        set: { providerCustomerId: customer.id, email: user.email, deletedAt: null },
      })
      .returning();
    return row;
  });
}

export interface CustomerOwner {
  userId: string;
  /** Our billing_customers row for this Stripe customer, when it is the user's linked one. */
  billingCustomerId: string | null;
}

/**
 * Finds which of our users a Stripe customer belongs to: by our link, else by the userId we put in
 * its metadata (covers customers whose link was lost or that were made in the dashboard).
 */
export async function resolveCustomerOwner(db: Queryable, providerCustomerId: string): Promise<CustomerOwner | undefined> {
  const linked = await findBillingCustomerByProviderId(db, providerCustomerId);
  if (linked) return { userId: linked.userId, billingCustomerId: linked.id };
  const customer = await retrieveCustomer(providerCustomerId);
  if ("deleted" in customer && customer.deleted) return undefined;
  const userId = customer.metadata?.userId;
  if (!userId || !/^[0-9a-f-]{36}$/i.test(userId)) return undefined;
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user) return undefined;
  const [row] = await db
    .insert(billingCustomers)
    .values({ userId, provider: "stripe", providerCustomerId, email: customer.email })
    .onConflictDoNothing({ target: billingCustomers.userId })
    .returning();
  return { userId, billingCustomerId: row?.id ?? null };
}
