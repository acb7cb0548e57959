import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { newId } from "../ids";
import { invalidRequest } from "../http/errors";
import { priceInCurrency } from "./currency";

/**
 * Tax: manual tax rates (`tax_rates`, `default_tax_rates`) and the emulator's deterministic stand-in for Stripe Tax
 * (`automatic_tax`). Real Stripe Tax looks rates up by full address and product tax code; the emulator uses the one
 * table below, by the customer's country (and state for the US and Canada), and documents it in the README.
 */

export interface EmulatedRate {
  country: string;
  state?: string;
  percentage: number;
  taxType: Stripe.TaxRate.TaxType;
  displayName: string;
}

/** The emulated Stripe Tax registrations: every other location is `not_collecting` (0, no tax). */
export const AUTOMATIC_TAX_TABLE: readonly EmulatedRate[] = [
  { country: "GB", percentage: 20, taxType: "vat", displayName: "VAT" },
  { country: "DE", percentage: 19, taxType: "vat", displayName: "VAT" },
  { country: "FR", percentage: 20, taxType: "vat", displayName: "VAT" },
  { country: "IE", percentage: 23, taxType: "vat", displayName: "VAT" },
  { country: "NL", percentage: 21, taxType: "vat", displayName: "VAT" },
  { country: "ES", percentage: 21, taxType: "vat", displayName: "VAT" },
  { country: "IT", percentage: 22, taxType: "vat", displayName: "VAT" },
  { country: "AU", percentage: 10, taxType: "gst", displayName: "GST" },
  { country: "NZ", percentage: 15, taxType: "gst", displayName: "GST" },
  { country: "CA", state: "ON", percentage: 13, taxType: "hst", displayName: "HST" },
  { country: "CA", state: "NS", percentage: 15, taxType: "hst", displayName: "HST" },
  { country: "CA", state: "AB", percentage: 5, taxType: "gst", displayName: "GST" },
  { country: "US", state: "CA", percentage: 7.25, taxType: "sales_tax", displayName: "Sales Tax" },
  { country: "US", state: "NY", percentage: 4, taxType: "sales_tax", displayName: "Sales Tax" },
  { country: "US", state: "TX", percentage: 6.25, taxType: "sales_tax", displayName: "Sales Tax" },
  { country: "US", state: "WA", percentage: 6.5, taxType: "sales_tax", displayName: "Sales Tax" },
];

export const EU_COUNTRIES = new Set([
  "AT",
  "BE",
  "BG",
  "CY",
  "CZ",
  "DE",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "GR",
  "HR",
  "HU",
  "IE",
  "IT",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SE",
  "SI",
  "SK",
]);

/** Marks the tax rates the emulated Stripe Tax creates (retrievable, not listed among the account's own). */
export const AUTOMATIC_RATE_DESCRIPTION = "Automatic tax (emulated Stripe Tax)";

export interface TaxLocation {
  country: string;
  state: string | null;
}

/** Stripe Tax uses the shipping address when there is one, else the billing address; the US and Canada need a state. */
export function locationOf(address: Stripe.Address | null | undefined): TaxLocation | null {
  const country = address?.country?.trim().toUpperCase();
  if (!country) return null;
  const state = address?.state?.trim().toUpperCase() || null;
  if ((country === "US" || country === "CA") && !state) return null;
  return { country, state };
}

export function customerTaxLocation(customer: Stripe.Customer): TaxLocation | null {
  return locationOf(customer.shipping?.address?.country ? customer.shipping.address : customer.address);
}

export function customerTaxIds(emu: Emulator, customerId: string): Stripe.TaxId[] {
  return [...emu.store.taxIds.values()].filter((t) => t.customer === customerId);
}

export type AutomaticDecision =
  | { status: "requires_location_inputs" }
  | { status: "complete"; reason: "standard_rated"; rate: EmulatedRate }
  | { status: "complete"; reason: "not_collecting" | "reverse_charge" };

/** What the emulated Stripe Tax decides for a customer at `location` (with the tax IDs they hold). */
export function automaticDecision(location: TaxLocation | null, taxIds: Array<{ type: string }>): AutomaticDecision {
  if (!location) return { status: "requires_location_inputs" };
  const rate = AUTOMATIC_TAX_TABLE.find((r) => r.country === location.country && (r.state === undefined || r.state === location.state));
  // B2B inside the EU from a seller outside the customer's country: the customer accounts for the VAT.
  if (EU_COUNTRIES.has(location.country) && taxIds.some((t) => t.type === "eu_vat"))
    return { status: "complete", reason: "reverse_charge" };
  if (!rate) return { status: "complete", reason: "not_collecting" };
  return { status: "complete", reason: "standard_rated", rate };
}

/** The tax rate object behind an emulated automatic rate (created once per jurisdiction and behaviour). */
function automaticRateObject(emu: Emulator, rate: EmulatedRate, inclusive: boolean): Stripe.TaxRate {
  const existing = [...emu.store.taxRates.values()].find(
    (r) =>
      r.description === AUTOMATIC_RATE_DESCRIPTION &&
      r.country === rate.country &&
      r.state === (rate.state ?? null) &&
      r.percentage === rate.percentage &&
      r.inclusive === inclusive,
  );
  if (existing) return existing;
  const created: Stripe.TaxRate = {
    id: newId("txr"),
    object: "tax_rate",
    active: true,
    country: rate.country,
    created: emu.realNow(),
    description: AUTOMATIC_RATE_DESCRIPTION,
    display_name: rate.displayName,
    effective_percentage: rate.percentage,
    flat_amount: null,
    inclusive,
    jurisdiction: rate.state ? `${rate.country}-${rate.state}` : rate.country,
    jurisdiction_level: rate.state ? "state" : "country",
    livemode: false,
    metadata: {},
    percentage: rate.percentage,
    rate_type: "percentage",
    state: rate.state ?? null,
    tax_type: rate.taxType,
  };
  emu.store.taxRates.set(created.id, created);
  return created;
}

/** Half away from zero, per line and per rate (credits round like debits). */
function roundMinor(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value) + 1e-9);
}

/** A line's tax, in the invoice line shape (`taxes[]`). */
export type LineTax = Stripe.InvoiceLineItem.Tax;

/**
 * The taxes of one line worth `amount` (after discounts). Inclusive rates: the tax is the part of the amount above
 * `amount / (1 + rate)` (split between several inclusive rates by percentage); exclusive rates: `amount × rate` on the
 * amount without inclusive tax. Each rounded to the minor unit per line.
 */
export function taxesForAmount(
  emu: Emulator,
  amount: number,
  manualRates: Stripe.TaxRate[],
  automatic: AutomaticDecision | null,
  priceTaxBehavior: string | null | undefined,
): LineTax[] {
  if (automatic) {
    if (automatic.status === "requires_location_inputs") return [];
    const inclusive = priceTaxBehavior === "inclusive";
    const behavior = inclusive ? "inclusive" : "exclusive";
    if (automatic.reason !== "standard_rated") {
      return [
        {
          amount: 0,
          tax_behavior: behavior,
          tax_rate_details: null,
          taxability_reason: automatic.reason,
          taxable_amount: amount,
          type: "tax_rate_details",
        },
      ];
    }
    const rateObject = automaticRateObject(emu, automatic.rate, inclusive);
    const pct = automatic.rate.percentage;
    const tax = inclusive ? amount - roundMinor(amount / (1 + pct / 100)) : roundMinor((amount * pct) / 100);
    return [
      {
        amount: tax,
        tax_behavior: behavior,
        tax_rate_details: { tax_rate: rateObject.id },
        taxability_reason: "standard_rated",
        taxable_amount: inclusive ? amount - tax : amount,
        type: "tax_rate_details",
      },
    ];
  }
  const rates = manualRates.map((r) => emu.store.taxRates.get(r.id) ?? r);
  const inclusiveRates = rates.filter((r) => r.inclusive);
  const inclusivePct = inclusiveRates.reduce((sum, r) => sum + r.percentage, 0);
  const inclusiveTax = inclusivePct > 0 ? amount - roundMinor(amount / (1 + inclusivePct / 100)) : 0;
  const base = amount - inclusiveTax;
  let allocated = 0;
  return rates.map((rate) => {
    let tax: number;
    if (rate.inclusive) {
      const isLast = inclusiveRates.indexOf(rate) === inclusiveRates.length - 1;
      tax = isLast ? inclusiveTax - allocated : roundMinor((inclusiveTax * rate.percentage) / inclusivePct);
      allocated += tax;
    } else {
      tax = roundMinor((base * rate.percentage) / 100);
    }
    return {
      amount: tax,
      tax_behavior: rate.inclusive ? "inclusive" : "exclusive",
      tax_rate_details: { tax_rate: rate.id },
      taxability_reason: "not_available",
      taxable_amount: base,
      type: "tax_rate_details",
    };
  });
}

export interface TaxTotals {
  exclusive: number;
  inclusive: number;
}

export function sumTaxes(taxes: LineTax[]): TaxTotals {
  return taxes.reduce(
    (acc, t) =>
      t.tax_behavior === "inclusive" ? { ...acc, inclusive: acc.inclusive + t.amount } : { ...acc, exclusive: acc.exclusive + t.amount },
    { exclusive: 0, inclusive: 0 },
  );
}

/** Stripe's refusal of automatic tax for a price without a tax behaviour. */
export function requireTaxBehavior(prices: Array<Stripe.Price | null | undefined>, param?: string): void {
  const price = prices.find((p) => p && (p.tax_behavior ?? "unspecified") === "unspecified");
  if (price) {
    throw invalidRequest(
      `The price \`${price.id}\` does not have a \`tax_behavior\` set which is required for automatic tax computation. Please visit https://stripe.com/docs/tax/products-prices-tax-categories-tax-behavior#tax-behavior for more information.`,
      param,
    );
  }
}

/** Stripe's refusal to create or update an automatic-tax subscription for a customer whose location is unknown. */
export function customerLocationInvalid(param = "customer"): never {
  throw invalidRequest(
    "The customer's location isn't recognized. Set a valid customer address (with a state for the US and Canada) to automatically calculate tax.",
    param,
    "customer_tax_location_invalid",
  );
}

/** The tax rates billed on one invoice line: its invoice item's, else its subscription item's, else the defaults. */
function ratesForLine(
  emu: Emulator,
  line: Stripe.InvoiceLineItem,
  sub: Stripe.Subscription | null,
  defaults: Stripe.TaxRate[],
): Stripe.TaxRate[] {
  const parent = line.parent;
  const invoiceItemId = parent?.invoice_item_details?.invoice_item || parent?.subscription_item_details?.invoice_item || null;
  const fromItem = invoiceItemId ? emu.store.invoiceItems.get(invoiceItemId)?.tax_rates : undefined;
  if (fromItem && fromItem.length) return fromItem;
  const subscriptionItemId = parent?.subscription_item_details?.subscription_item;
  const fromSubItem = subscriptionItemId && sub ? sub.items.data.find((i) => i.id === subscriptionItemId)?.tax_rates : undefined;
  if (fromSubItem && fromSubItem.length) return fromSubItem;
  return defaults;
}

function priceBehaviorOfLine(emu: Emulator, line: Stripe.InvoiceLineItem): string | null {
  const priceId = line.pricing?.price_details?.price;
  const price = typeof priceId === "string" ? emu.store.prices.get(priceId) : priceId;
  if (!price) return null;
  return (priceInCurrency(emu, price, line.currency) ?? price).tax_behavior ?? null;
}

export interface InvoiceTaxContext {
  customer: Stripe.Customer;
  subscription: Stripe.Subscription | null;
  automaticTax: boolean;
}

/**
 * Computes the invoice's taxes from its lines (after discounts: each line's `discount_amounts` are taken off first, and
 * `invoice.total` as it stands is the pre-tax total) and sets `taxes` on each line, `total_taxes`, `total`,
 * `total_excluding_tax`, `subtotal_excluding_tax`, the amounts due, `automatic_tax` and `customer_tax_ids`.
 * Used for real invoices and previews alike, so a preview shows the tax its invoice will have.
 */
export function applyInvoiceTax(emu: Emulator, invoice: Stripe.Invoice, ctx: InvoiceTaxContext): void {
  const { customer, subscription } = ctx;
  const taxIds = customerTaxIds(emu, customer.id);
  invoice.customer_tax_ids = taxIds.map((t) => ({ type: t.type, value: t.value }));
  const defaults = subscription?.default_tax_rates ?? [];
  invoice.default_tax_rates = defaults.map((r) => emu.store.taxRates.get(r.id) ?? r);
  const decision = ctx.automaticTax ? automaticDecision(customerTaxLocation(customer), taxIds) : null;
  invoice.automatic_tax = ctx.automaticTax
    ? { disabled_reason: null, enabled: true, liability: { type: "self" }, provider: "stripe", status: decision?.status ?? "complete" }
    : { disabled_reason: null, enabled: false, liability: null, provider: null, status: null };
  const all: LineTax[] = [];
  for (const line of invoice.lines.data) {
    const discounted = line.amount - (line.discount_amounts ?? []).reduce((sum, d) => sum + d.amount, 0);
    const taxes = taxesForAmount(
      emu,
      discounted,
      decision ? [] : ratesForLine(emu, line, subscription, defaults),
      decision,
      priceBehaviorOfLine(emu, line),
    );
    line.taxes = taxes;
    all.push(...taxes);
  }
  const grouped = new Map<string, Stripe.Invoice.TotalTax>();
  for (const t of all) {
    const key = `${t.tax_rate_details?.tax_rate ?? ""}|${t.taxability_reason}|${t.tax_behavior}`;
    const entry = grouped.get(key);
    if (entry) {
      entry.amount += t.amount;
      entry.taxable_amount = (entry.taxable_amount ?? 0) + (t.taxable_amount ?? 0);
    } else grouped.set(key, { ...t, tax_rate_details: t.tax_rate_details ? { ...t.tax_rate_details } : null });
  }
  invoice.total_taxes = [...grouped.values()];
  const { exclusive, inclusive } = sumTaxes(all);
  const preTax = invoice.total;
  invoice.total = preTax + exclusive;
  invoice.total_excluding_tax = preTax - inclusive;
  invoice.subtotal_excluding_tax = invoice.subtotal - inclusive;
}
