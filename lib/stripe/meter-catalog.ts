import "server-only";
import Stripe from "stripe";
import { INTERVALS, METERS, overageProductDescription, PRICE_TAX_BEHAVIOR, type MeterDefinition, type MeterId } from "@/lib/billing/plans";
import { ensureTaxBehavior, listAll, MANAGED_BY, taxBehaviorSettable, type CatalogChange } from "./managed";

type BilledMeter = { id: MeterId; definition: MeterDefinition & { stripe: NonNullable<MeterDefinition["stripe"]> } };

/** The catalog's `bill` meters: each has a Stripe Billing Meter and a metered price. */
export function billedMeters(): BilledMeter[] {
  return (Object.entries(METERS) as Array<[MeterId, MeterDefinition]>)
    .filter(([, d]) => d.overage === "bill" && d.stripe)
    .map(([id, definition]) => ({ id, definition: definition as BilledMeter["definition"] }));
}

/**
 * Makes Stripe hold, for every `bill` meter of the catalog, an active Billing Meter (sum of `value`
 * per `stripe_customer_id`) and a metered price per billing interval on its own product, found by
 * lookup key.
 * Returns the changes and the ids of the prices to keep (the catalog push archives the others).
 */
export async function pushMeteredPrices(
  stripe: Stripe,
  products: Stripe.Product[],
): Promise<{ changes: CatalogChange[]; priceIds: string[] }> {
  const changes: CatalogChange[] = [];
  const priceIds: string[] = [];
  const wanted = billedMeters();
  if (wanted.length === 0) return { changes, priceIds };
  const meters = await listAll(stripe.billing.meters.list({ status: "active", limit: 100 }));
  const prices = await listAll(
    stripe.prices.list({ lookup_keys: wanted.flatMap((m) => Object.values(m.definition.stripe.lookupKeys)), limit: 100 }),
  );
  for (const { id, definition } of wanted) {
    const { eventName, lookupKeys, unitAmountDecimal } = definition.stripe;
    let meter = meters.find((m) => m.event_name === eventName);
    if (meter) {
      changes.push({ object: "meter", key: eventName, action: "unchanged", id: meter.id });
    } else {
      meter = await stripe.billing.meters.create({
        display_name: definition.label,
        event_name: eventName,
        default_aggregation: { formula: "sum" },
        customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
        value_settings: { event_payload_key: "value" },
      });
      changes.push({ object: "meter", key: eventName, action: "created", id: meter.id });
    }

    // The description is what Checkout shows under the metered line: the overage price, from the catalog.
    const description = overageProductDescription(id);
    const desired = { name: `${definition.label} (usage)`, ...(description ? { description } : {}) };
    let product = products.find((p) => p.metadata.managed_by === MANAGED_BY && p.metadata.meter_id === id);
    if (!product) {
      product = await stripe.products.create({ ...desired, metadata: { meter_id: id, managed_by: MANAGED_BY } });
      changes.push({ object: "product", key: `meter:${id}`, action: "created", id: product.id, detail: description ?? undefined });
    } else if (!product.active || product.name !== desired.name || (description !== null && product.description !== description)) {
      product = await stripe.products.update(product.id, { ...desired, active: true });
      changes.push({ object: "product", key: `meter:${id}`, action: "updated", id: product.id, detail: description ?? undefined });
    } else {
      changes.push({ object: "product", key: `meter:${id}`, action: "unchanged", id: product.id, detail: description ?? undefined });
    }

    for (const interval of INTERVALS) {
      const lookupKey = lookupKeys[interval];
      const current = prices.find((p) => p.lookup_key === lookupKey);
      const matches =
        current?.active &&
        current.recurring?.usage_type === "metered" &&
        current.recurring.meter === meter.id &&
        current.recurring.interval === interval &&
        current.unit_amount_decimal !== null &&
        Number(String(current.unit_amount_decimal)) === Number(unitAmountDecimal) &&
        (typeof current.product === "string" ? current.product : current.product.id) === product.id &&
        taxBehaviorSettable(current);
      if (current && matches) {
        priceIds.push(current.id);
        const taxed = await ensureTaxBehavior(stripe, current);
        changes.push({
          object: "price",
          key: lookupKey,
          action: taxed ? "updated" : "unchanged",
          id: current.id,
          ...(taxed ? { detail: `tax_behavior ${PRICE_TAX_BEHAVIOR}` } : {}),
        });
        continue;
      }
      const created = await stripe.prices.create({
        product: product.id,
        currency: "usd",
        unit_amount_decimal: Stripe.Decimal.from(unitAmountDecimal),
        recurring: { interval, usage_type: "metered", meter: meter.id },
        lookup_key: lookupKey,
        transfer_lookup_key: true,
        tax_behavior: PRICE_TAX_BEHAVIOR,
        metadata: { meter_id: id, interval, managed_by: MANAGED_BY },
      });
      priceIds.push(created.id);
      changes.push({
        object: "price",
        key: lookupKey,
        action: current ? "updated" : "created",
        id: created.id,
        detail: `${unitAmountDecimal} usd/${definition.unit}, billed per ${interval}`,
      });
      if (current?.active) await stripe.prices.update(current.id, { active: false });
    }
  }
  return { changes, priceIds };
}
