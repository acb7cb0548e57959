/**
 * What the catalog sync (catalog-sync.ts, meter-catalog.ts) shares: the mark on the Stripe objects
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
