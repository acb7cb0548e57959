import "server-only";
import type Stripe from "stripe";
import { PRICE_TAX_BEHAVIOR } from "@/lib/billing/plans";

/**
 * What the catalog push (catalog-push.ts, meter-catalog.ts) shares: the mark on the Stripe objects
 * this project owns, the shape of a change it reports, and reading a whole paginated list.
 */

/** Marks the Stripe objects this project owns, so the sync never touches anything else. */
export const MANAGED_BY = "next-stripe-billing";

export interface CatalogChange {
  object: "product" | "price" | "meter" | "portal_configuration";
  key: string;
  action: "created" | "updated" | "archived" | "unchanged";
  id: string;
  detail?: string;
}

/** Every item of an auto-paginating Stripe list. */
export async function listAll<T>(list: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of list) out.push(item);
  return out;
}

/** A price without a tax behaviour gets the catalog's (Stripe allows setting it once); a different one needs a new price. */
export const taxBehaviorSettable = (price: Stripe.Price): boolean =>
  (price.tax_behavior ?? "unspecified") === "unspecified" || price.tax_behavior === PRICE_TAX_BEHAVIOR;

/** Sets the catalog's tax behaviour on a matching price made before it had one; true when it did. */
export async function ensureTaxBehavior(stripe: Stripe, price: Stripe.Price): Promise<boolean> {
  if (price.tax_behavior === PRICE_TAX_BEHAVIOR) return false;
  await stripe.prices.update(price.id, { tax_behavior: PRICE_TAX_BEHAVIOR });
  return true;
}
