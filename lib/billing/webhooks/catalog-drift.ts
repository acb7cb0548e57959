import "server-only";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { auditLog } from "@/db/schema";
import { catalogPrices } from "@/lib/billing/plans";
import { MANAGED_BY } from "@/lib/stripe/managed";
import { billedMeters } from "@/lib/stripe/meter-catalog";

/** Why a product/price change disagrees with lib/billing/plans.ts, or null when it agrees. */
export function catalogDrift(event: Stripe.Event): string | null {
  const object = event.data.object as Stripe.Price | Stripe.Product;
  if (object.object === "price") {
    const wanted = catalogPrices().find((p) => p.lookupKey === object.lookup_key);
    if (!wanted) {
      // The metered prices of `bill` meters are managed too (lib/stripe/meter-catalog.ts).
      if (billedMeters().some((m) => Object.values(m.definition.stripe.lookupKeys).includes(object.lookup_key ?? ""))) return null;
      return object.metadata?.managed_by === MANAGED_BY && object.active
        ? `price ${object.id} is managed but its lookup key "${object.lookup_key}" is not in the catalog`
        : null;
    }
    if (event.type === "price.deleted") return `catalog price ${wanted.lookupKey} was deleted`;
    if (!object.active) return `catalog price ${wanted.lookupKey} was archived`;
    if (object.unit_amount !== wanted.unitAmount) {
      return `${wanted.lookupKey} costs ${object.unit_amount} in Stripe but ${wanted.unitAmount} in the catalog`;
    }
    if (object.recurring?.interval !== wanted.interval) return `${wanted.lookupKey} bills per ${object.recurring?.interval}`;
    return null;
  }
  if (object.metadata?.managed_by !== MANAGED_BY || object.metadata.meter_id) return null;
  if (event.type === "product.deleted") return `catalog product ${object.metadata.plan_id} was deleted`;
  if (!object.active) return `catalog product ${object.metadata.plan_id} was archived`;
  return null;
}

/** Records product.* / price.* events in the audit log; disagreements with the catalog as `catalog.drift`. */
export async function recordCatalogEvent(db: Queryable, event: Stripe.Event): Promise<void> {
  const object = event.data.object as { id: string; object: string };
  const drift = catalogDrift(event);
  await db.insert(auditLog).values({
    action: drift ? "catalog.drift" : "catalog.changed",
    targetType: object.object,
    targetId: object.id,
    data: { eventId: event.id, eventType: event.type, ...(drift ? { drift } : {}) },
  });
}
