import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { clone, decimal } from "../json";

/** The legacy Plan view of a recurring price, embedded in subscription items. */
export function planFromPrice(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount !== null ? decimal(price.unit_amount) : null,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring?.interval ?? "month",
    interval_count: recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: recurring?.meter ?? null,
    nickname: price.nickname,
    product: typeof price.product === "string" ? price.product : price.product.id,
    tiers_mode: price.tiers_mode,
    transform_usage: null,
    trial_period_days: recurring?.trial_period_days ?? null,
    usage_type: recurring?.usage_type ?? "licensed",
  };
}

/** Subscription items embed their price; keep those copies in step when the price changes (e.g. archived). */
export function refreshEmbeddedPrice(emu: Emulator, price: Stripe.Price): void {
  for (const sub of emu.store.subscriptions.values()) {
    for (const item of sub.items.data) {
      if (item.price.id !== price.id) continue;
      item.price = clone(price);
      item.plan = planFromPrice(price);
    }
  }
}

export function productIdOf(price: Stripe.Price): string {
  return typeof price.product === "string" ? price.product : price.product.id;
}

export function productName(emu: Emulator, price: Stripe.Price): string {
  return emu.store.products.get(productIdOf(price))?.name ?? productIdOf(price);
}

export function formatAmount(amount: number, currency: string): string {
  const zeroDecimal = ["jpy", "krw", "vnd", "clp", "xof", "xaf", "ugx", "rwf", "pyg", "mga", "kmf", "gnf", "djf", "bif", "vuv", "xpf"];
  const units = zeroDecimal.includes(currency.toLowerCase()) ? amount : amount / 100;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(units);
  } catch {
    return `${units.toFixed(2)} ${currency.toUpperCase()}`;
  }
}

export function describeInterval(price: Stripe.Price): string {
  const r = price.recurring;
  if (!r) return "";
  return r.interval_count === 1 ? r.interval : `${r.interval_count} ${r.interval}s`;
}
