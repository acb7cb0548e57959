import "server-only";
import type Stripe from "stripe";
import { CANCEL_MODE, PORTAL_SUBSCRIPTION_UPDATE } from "@/lib/billing/plan-change-policy";
import { catalogPrices, PRICE_TAX_BEHAVIOR, purchasablePlans, type Plan } from "@/lib/billing/plans";
import { stripeTaxEnabled } from "@/lib/billing/tax-settings";
import { ensureTaxBehavior, listAll, MANAGED_BY, taxBehaviorSettable, type CatalogChange } from "./managed";
import { pushMeteredPrices } from "./meter-catalog";

async function syncProduct(
  stripe: Stripe,
  plan: Plan,
  existing: Stripe.Product | undefined,
): Promise<CatalogChange & { product: Stripe.Product }> {
  const desired = { name: plan.name, description: plan.description };
  if (!existing) {
    const product = await stripe.products.create({
      ...desired,
      metadata: { plan_id: plan.id, managed_by: MANAGED_BY },
    });
    return { object: "product", key: plan.id, action: "created", id: product.id, product };
  }
  const drift = existing.name !== desired.name || existing.description !== desired.description || !existing.active;
  if (!drift) return { object: "product", key: plan.id, action: "unchanged", id: existing.id, product: existing };
  const product = await stripe.products.update(existing.id, { ...desired, active: true });
  return { object: "product", key: plan.id, action: "updated", id: product.id, product };
}

function priceMatches(price: Stripe.Price, productId: string, unitAmount: number, plan: Plan, interval: string): boolean {
  const priceProduct = typeof price.product === "string" ? price.product : price.product.id;
  return (
    price.active &&
    priceProduct === productId &&
    price.unit_amount === unitAmount &&
    price.currency === plan.currency &&
    price.recurring?.interval === interval &&
    price.recurring?.interval_count === 1 &&
    taxBehaviorSettable(price)
  );
}

/**
 * The portal follows the app's plan-change policy (lib/billing/plan-change-policy.ts): cards,
 * invoices and cancellation, but no plan changes, which Stripe's portal cannot make on these
 * subscriptions (metered prices beside the plan; see PORTAL_SUBSCRIPTION_UPDATE).
 */
function desiredPortalFeatures() {
  return {
    // With Stripe Tax on, customers also keep their business name and tax IDs current (STRIPE_TAX).
    customer_update: { enabled: true, allowed_updates: portalCustomerUpdates() },
    invoice_history: { enabled: true },
    payment_method_update: { enabled: true },
    subscription_cancel: { enabled: true, mode: CANCEL_MODE, proration_behavior: "none" as const },
    subscription_update: { ...PORTAL_SUBSCRIPTION_UPDATE },
  };
}

function portalCustomerUpdates(): Array<"email" | "address" | "name" | "tax_id"> {
  return stripeTaxEnabled() ? ["email", "address", "name", "tax_id"] : ["email", "address"];
}

function portalMatches(config: Stripe.BillingPortal.Configuration): boolean {
  const f = config.features;
  const updates = [...(f.customer_update.allowed_updates ?? [])].sort().join(",");
  return (
    config.active &&
    f.customer_update.enabled &&
    updates === [...portalCustomerUpdates()].sort().join(",") &&
    f.invoice_history.enabled &&
    f.payment_method_update.enabled &&
    f.subscription_cancel.enabled &&
    f.subscription_cancel.mode === CANCEL_MODE &&
    f.subscription_update.enabled === PORTAL_SUBSCRIPTION_UPDATE.enabled
  );
}

/**
 * Push: makes Stripe match lib/billing/plans.ts: products and prices created or updated idempotently
 * (a second run reports only "unchanged"), prices that left the catalog archived, and the customer
 * portal configured for cards, invoices and cancellation (plan changes stay in the app).
 */
export async function pushCatalog(stripe: Stripe, options: { returnUrl?: string } = {}): Promise<CatalogChange[]> {
  const changes: CatalogChange[] = [];
  const products = await listAll(stripe.products.list({ limit: 100 }));
  const managedProducts = new Map(
    products.filter((p) => p.metadata.managed_by === MANAGED_BY && p.metadata.plan_id).map((p) => [p.metadata.plan_id, p]),
  );

  const productIds = new Map<string, string>();
  for (const plan of purchasablePlans()) {
    const result = await syncProduct(stripe, plan, managedProducts.get(plan.id));
    productIds.set(plan.id, result.product.id);
    changes.push({ object: result.object, key: result.key, action: result.action, id: result.id });
  }

  const wanted = catalogPrices();
  const existingPrices = await listAll(stripe.prices.list({ lookup_keys: wanted.map((w) => w.lookupKey), limit: 100 }));
  const priceIdsByPlan = new Map<string, string[]>();
  for (const entry of wanted) {
    const productId = productIds.get(entry.plan.id) as string;
    const current = existingPrices.find((p) => p.lookup_key === entry.lookupKey);
    let priceId: string;
    if (current && priceMatches(current, productId, entry.unitAmount, entry.plan, entry.interval)) {
      priceId = current.id;
      const taxed = await ensureTaxBehavior(stripe, current);
      changes.push({
        object: "price",
        key: entry.lookupKey,
        action: taxed ? "updated" : "unchanged",
        id: priceId,
        ...(taxed ? { detail: `tax_behavior ${PRICE_TAX_BEHAVIOR}` } : {}),
      });
    } else {
      // Prices are immutable in Stripe: a new amount is a new price that takes over the lookup key.
      const created = await stripe.prices.create({
        product: productId,
        currency: entry.plan.currency,
        unit_amount: entry.unitAmount,
        recurring: { interval: entry.interval },
        lookup_key: entry.lookupKey,
        transfer_lookup_key: true,
        tax_behavior: PRICE_TAX_BEHAVIOR,
        metadata: { plan_id: entry.plan.id, interval: entry.interval, managed_by: MANAGED_BY },
      });
      priceId = created.id;
      changes.push({
        object: "price",
        key: entry.lookupKey,
        action: current ? "updated" : "created",
        id: created.id,
        detail: `${entry.unitAmount} ${entry.plan.currency}/${entry.interval}`,
      });
      if (current?.active) await stripe.prices.update(current.id, { active: false });
    }
    priceIdsByPlan.set(entry.plan.id, [...(priceIdsByPlan.get(entry.plan.id) ?? []), priceId]);
  }

  // Billing Meters and the metered prices of `bill` meters (usage past the included amount).
  const metered = await pushMeteredPrices(stripe, products);
  changes.push(...metered.changes);

  const keep = new Set([...priceIdsByPlan.values()].flat().concat(metered.priceIds));
  const activePrices = await listAll(stripe.prices.list({ active: true, limit: 100 }));
  for (const price of activePrices) {
    if (price.metadata.managed_by !== MANAGED_BY || keep.has(price.id)) continue;
    await stripe.prices.update(price.id, { active: false });
    changes.push({ object: "price", key: price.lookup_key ?? price.id, action: "archived", id: price.id });
  }
  for (const [planId, product] of managedProducts) {
    if (productIds.has(planId) || !product.active) continue;
    await stripe.products.update(product.id, { active: false });
    changes.push({ object: "product", key: planId, action: "archived", id: product.id });
  }

  const configs = await listAll(stripe.billingPortal.configurations.list({ limit: 100 }));
  const managedConfig = configs.find((c) => c.metadata?.managed_by === MANAGED_BY);
  const params = {
    business_profile: { headline: "Manage your subscription" },
    features: desiredPortalFeatures(),
    ...(options.returnUrl ? { default_return_url: options.returnUrl } : {}),
  };
  if (!managedConfig) {
    const created = await stripe.billingPortal.configurations.create({
      ...params,
      metadata: { managed_by: MANAGED_BY },
    });
    changes.push({ object: "portal_configuration", key: "portal", action: "created", id: created.id });
  } else if (!portalMatches(managedConfig)) {
    await stripe.billingPortal.configurations.update(managedConfig.id, { ...params, active: true });
    changes.push({ object: "portal_configuration", key: "portal", action: "updated", id: managedConfig.id });
  } else {
    changes.push({ object: "portal_configuration", key: "portal", action: "unchanged", id: managedConfig.id });
  }
  return changes;
}

export function formatCatalogChanges(changes: CatalogChange[]): string {
  const rows = changes.map((c) => [c.object, c.key, c.action, c.id, c.detail ?? ""]);
  const header = ["object", "key", "action", "id", "detail"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
