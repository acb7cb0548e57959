import type Stripe from "stripe";
import type { Emulator } from "../emulator";

/**
 * A price in one of its currencies: its own, or one of its `currency_options` (per-currency `unit_amount` and
 * `tax_behavior`). Undefined when the price has no option for that currency.
 */
export function priceInCurrency(
  emu: Emulator,
  price: Stripe.Price,
  currency: string,
): { unit_amount: number | null; tax_behavior: Stripe.Price.TaxBehavior | null } | undefined {
  const wanted = currency.toLowerCase();
  if (wanted === price.currency) return { unit_amount: price.unit_amount, tax_behavior: price.tax_behavior };
  const option = emu.store.priceCurrencyOptions.get(price.id)?.[wanted];
  return option ? { unit_amount: option.unit_amount, tax_behavior: option.tax_behavior } : undefined;
}

/** The unit amount billed for `price` in `currency` (the price's own when it has no option for it). */
export function unitAmountIn(emu: Emulator, price: Stripe.Price, currency: string): number {
  return (priceInCurrency(emu, price, currency) ?? priceInCurrency(emu, price, price.currency))?.unit_amount ?? 0;
}
