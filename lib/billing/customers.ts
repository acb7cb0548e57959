import "server-only";
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { getDb, type Queryable } from "@/db/client";
import { accounts, billingCustomerClaims, billingCustomers, type BillingCustomer } from "@/db/schema";
import { logger } from "@/lib/logger";
import { createCustomer, retrieveCustomer } from "@/lib/stripe/gateway";
import { isUuid } from "@/lib/input-rules";

export async function findBillingCustomer(db: Queryable, accountId: string): Promise<BillingCustomer | undefined> {
  const [row] = await db.select().from(billingCustomers).where(eq(billingCustomers.accountId, accountId)).limit(1);
  return row;
}

export async function findBillingCustomerByProviderId(db: Queryable, providerCustomerId: string): Promise<BillingCustomer | undefined> {
  const [row] = await db.select().from(billingCustomers).where(eq(billingCustomers.providerCustomerId, providerCustomerId)).limit(1);
  return row;
}

/**
 * The account's Stripe customer (one per account), created on first need, with no transaction or lock held across the
 * Stripe call. A claim row gives every concurrent first click the same idempotency key, so Stripe
 * creates exactly one customer and replays it to the others; the link is then upserted.
 */
export async function ensureBillingCustomer(account: {
  id: string;
  /** The billing email: the person's own, or for an organization that of the member who pays first. */
  email: string;
  name?: string | null;
}): Promise<BillingCustomer> {
  const user = account;
  const db = await getDb();
  const existing = await findBillingCustomer(db, user.id);
  if (existing && !existing.deletedAt) return existing;
  // A new generation after a deletion, so Stripe does not replay the deleted customer.
  const generation = existing?.providerCustomerId ?? "first";
  const idempotencyKey = await claimCustomerCreation(db, user.id, generation);
  const customer = await createCustomer({ accountId: user.id, email: user.email, name: user.name, idempotencyKey });
  const [row] = await db
    .insert(billingCustomers)
    .values({ accountId: user.id, provider: "stripe", providerCustomerId: customer.id, email: user.email })
    .onConflictDoUpdate({
      target: billingCustomers.accountId,
      set: { providerCustomerId: customer.id, email: user.email, deletedAt: null },
      // Only replace the generation this call started from: a concurrent caller may have linked it already.
      setWhere: sql`${billingCustomers.providerCustomerId} = ${generation} or ${billingCustomers.providerCustomerId} = ${customer.id}`,
    })
    .returning();
  if (row) {
    logger.info({ accountId: user.id, customerId: customer.id }, "billing customer created");
    return row;
  }
  const current = await findBillingCustomer(db, user.id);
  if (!current) throw new Error(`billing customer for ${user.id} vanished`);
  return current;
}

/** One statement: the idempotency key for creating this generation of the user's customer. */
async function claimCustomerCreation(db: Queryable, accountId: string, generation: string): Promise<string> {
  const [claim] = await db
    .insert(billingCustomerClaims)
    .values({ accountId, generation, idempotencyKey: `customer:${accountId}:${randomUUID()}` })
    .onConflictDoUpdate({
      target: billingCustomerClaims.accountId,
      // Same generation: keep the key everyone else is using. New generation: a new key.
      set: {
        generation: sql`excluded.generation`,
        idempotencyKey: sql`case when ${billingCustomerClaims.generation} = excluded.generation
          then ${billingCustomerClaims.idempotencyKey} else excluded.idempotency_key end`,
      },
    })
    .returning({ idempotencyKey: billingCustomerClaims.idempotencyKey });
  return claim.idempotencyKey;
}

export interface CustomerOwner {
  accountId: string;
  /** Our billing_customers row for this Stripe customer, when it is the user's linked one. */
  billingCustomerId: string | null;
}

/**
 * A Stripe customer as needed to find its owner: just the id when we have linked it already,
 * otherwise also what Stripe says about it (read before any transaction opens).
 */
export interface FetchedCustomer {
  providerCustomerId: string;
  /** Our link, when the read found one: a user's link to their Stripe customer does not change. */
  linked?: CustomerOwner;
  stripe?: { deleted: boolean; accountId: string | null; email: string | null };
}

/** Network phase of resolveCustomerOwner: asks Stripe only about customers we have not linked. */
export async function fetchCustomerForOwnership(db: Queryable, providerCustomerId: string): Promise<FetchedCustomer> {
  const link = await findBillingCustomerByProviderId(db, providerCustomerId);
  if (link) return { providerCustomerId, linked: { accountId: link.accountId, billingCustomerId: link.id } };
  const customer = await retrieveCustomer(providerCustomerId);
  if ("deleted" in customer && customer.deleted) return { providerCustomerId, stripe: { deleted: true, accountId: null, email: null } };
  return {
    providerCustomerId,
    stripe: { deleted: false, accountId: customer.metadata?.accountId ?? customer.metadata?.userId ?? null, email: customer.email ?? null },
  };
}

/**
 * Finds which of our accounts a Stripe customer belongs to: by our link, else by the accountId we put
 * in its metadata (`userId` on customers made before accounts existed: the same id) (covers customers whose link was lost or that were made in the dashboard). Makes no
 * network call: `customer` was fetched beforehand.
 */
export async function resolveCustomerOwner(db: Queryable, customer: FetchedCustomer): Promise<CustomerOwner | undefined> {
  // Found while reading: no second lookup inside the transaction.
  if (customer.linked) return customer.linked;
  const { providerCustomerId } = customer;
  const linked = await findBillingCustomerByProviderId(db, providerCustomerId);
  if (linked) return { accountId: linked.accountId, billingCustomerId: linked.id };
  if (!customer.stripe || customer.stripe.deleted) return undefined;
  const accountId = customer.stripe.accountId;
  if (!accountId || !isUuid(accountId)) return undefined;
  const [account] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).limit(1);
  if (!account) return undefined;
  const [row] = await db
    .insert(billingCustomers)
    .values({ accountId, provider: "stripe", providerCustomerId, email: customer.stripe.email })
    .onConflictDoNothing({ target: billingCustomers.accountId })
    .returning();
  return { accountId, billingCustomerId: row?.id ?? null };
}
