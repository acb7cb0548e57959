import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { clone } from "../json";
import { emitEvent } from "../events";
import { invalidRequest } from "../http/errors";
import { automaticDecision, customerTaxIds, customerTaxLocation, locationOf, sumTaxes, taxesForAmount, type TaxLocation } from "./tax";
import { priceInCurrency } from "./currency";

/**
 * Checkout's tax, shipping and customer-detail inputs: what the hosted page (and the control endpoint) collect,
 * how they change the session's totals, and what `customer_update` writes back to the customer.
 */

export interface CheckoutAddress {
  line1?: string;
  line2?: string;
  city?: string;
  postal_code?: string;
  state?: string;
  country?: string;
}

export interface CheckoutDetails {
  /** Billing address (collected with `billing_address_collection: 'required'`, or when automatic tax needs it). */
  address?: CheckoutAddress;
  /** Shipping name and address (`shipping_address_collection`). */
  shipping?: { name?: string; address?: CheckoutAddress };
  /** A business purchase (`tax_id_collection`): one tax ID, and optionally the business name. */
  taxId?: { type: string; value: string };
  businessName?: string;
  /** The chosen shipping rate (`shipping_options`); default: the first option. */
  shippingRate?: string;
}

/** Per-session settings that the session object does not carry (`customer_update`, the line items' tax rates). */
export interface CheckoutTaxSettings {
  customerUpdate: { address: "auto" | "never"; name: "auto" | "never"; shipping: "auto" | "never" } | null;
  lineTaxRates: Array<Stripe.TaxRate[] | undefined>;
}

export function setCheckoutTaxSettings(emu: Emulator, sessionId: string, value: CheckoutTaxSettings): void {
  emu.store.checkoutTaxSettings.set(sessionId, value);
}

export function checkoutTaxSettings(emu: Emulator, sessionId: string): CheckoutTaxSettings {
  return emu.store.checkoutTaxSettings.get(sessionId) ?? { customerUpdate: null, lineTaxRates: [] };
}

export function toAddress(a: CheckoutAddress | undefined): Stripe.Address | null {
  if (!a || !Object.values(a).some((v) => v && String(v).trim())) return null;
  const pick = (v: string | undefined) => (v && v.trim() ? v.trim() : null);
  return {
    line1: pick(a.line1),
    line2: pick(a.line2),
    city: pick(a.city),
    postal_code: pick(a.postal_code),
    state: pick(a.state),
    country: pick(a.country)?.toUpperCase() ?? null,
  };
}

function sessionCustomer(emu: Emulator, session: Stripe.Checkout.Session): Stripe.Customer | undefined {
  const id = typeof session.customer === "string" ? session.customer : session.customer?.id;
  return id ? emu.store.customers.get(id) : undefined;
}

/** Whether the page must ask for a billing address: required by the session, or automatic tax has no location. */
export function needsBillingAddress(emu: Emulator, session: Stripe.Checkout.Session): boolean {
  if (session.billing_address_collection === "required") return true;
  if (!session.automatic_tax.enabled) return false;
  const customer = sessionCustomer(emu, session);
  return !customer || !customerTaxLocation(customer);
}

/** The location Stripe Tax uses for the session: collected shipping, else collected billing, else the customer's. */
function sessionLocation(emu: Emulator, session: Stripe.Checkout.Session, details: CheckoutDetails | null): TaxLocation | null {
  const shipping = locationOf(toAddress(details?.shipping?.address));
  if (shipping) return shipping;
  const billing = locationOf(toAddress(details?.address));
  if (billing) return billing;
  const customer = sessionCustomer(emu, session);
  return customer ? customerTaxLocation(customer) : null;
}

/**
 * Recomputes the session's line items and totals (tax per line after its discounts, shipping) for the details
 * collected so far; the discounts themselves come from priceSession (checkout.ts), which ends by calling this.
 * `dueToday` false (a trial): the amounts due now are 0, as before.
 */
export function refreshCheckoutTotals(
  emu: Emulator,
  session: Stripe.Checkout.Session,
  lineItems: Stripe.LineItem[],
  details: CheckoutDetails | null,
  dueToday: boolean,
): void {
  const tax = checkoutTaxSettings(emu, session.id);
  const customer = sessionCustomer(emu, session);
  const taxIds = details?.taxId ? [details.taxId] : customer ? customerTaxIds(emu, customer.id) : [];
  const decision = session.automatic_tax.enabled ? automaticDecision(sessionLocation(emu, session, details), taxIds) : null;
  let subtotal = 0;
  let discount = 0;
  let exclusive = 0;
  let allTax = 0;
  lineItems.forEach((li, index) => {
    const behavior = li.price ? (priceInCurrency(emu, li.price, li.currency)?.tax_behavior ?? li.price.tax_behavior) : null;
    // Tax is charged on what is left after the line's discounts (priceSession in checkout.ts sets amount_discount).
    const discounted = li.amount_subtotal - (li.amount_discount ?? 0);
    const taxes = taxesForAmount(emu, discounted, decision ? [] : (tax.lineTaxRates[index] ?? []), decision, behavior);
    const sums = sumTaxes(taxes);
    li.amount_tax = sums.exclusive + sums.inclusive;
    li.amount_total = discounted + sums.exclusive;
    subtotal += li.amount_subtotal;
    discount += li.amount_discount ?? 0;
    exclusive += sums.exclusive;
    allTax += li.amount_tax;
  });
  const option =
    session.shipping_options.find(
      (o) => (typeof o.shipping_rate === "string" ? o.shipping_rate : o.shipping_rate.id) === details?.shippingRate,
    ) ?? session.shipping_options[0];
  const shipping = option?.shipping_amount ?? 0;
  session.shipping_cost = option
    ? {
        amount_subtotal: shipping,
        amount_tax: 0,
        amount_total: shipping,
        shipping_rate: typeof option.shipping_rate === "string" ? option.shipping_rate : option.shipping_rate.id,
      }
    : null;
  session.amount_subtotal = dueToday ? subtotal : 0;
  session.amount_total = dueToday ? subtotal - discount + exclusive + shipping : 0;
  session.total_details = {
    amount_discount: dueToday ? discount : 0,
    amount_shipping: dueToday ? shipping : 0,
    amount_tax: dueToday ? allTax : 0,
  };
  if (session.status === "open")
    session.payment_status = session.amount_total === 0 && session.mode !== "payment" ? "no_payment_required" : "unpaid";
  if (session.automatic_tax.enabled) session.automatic_tax.status = decision?.status ?? "requires_location_inputs";
}

/** Checks the collected details against the session's settings before anything is created. */
export function checkCheckoutDetails(emu: Emulator, session: Stripe.Checkout.Session, details: CheckoutDetails): void {
  if (needsBillingAddress(emu, session)) {
    const address = toAddress(details.address);
    if (
      !address?.country ||
      !address.line1 ||
      (session.automatic_tax.enabled && !locationOf(address) && !locationOf(toAddress(details.shipping?.address)))
    ) {
      throw invalidRequest(
        "Your billing address is incomplete: enter the street, the country (and the state in the US and Canada).",
        "address",
      );
    }
  }
  if (session.shipping_address_collection) {
    const address = toAddress(details.shipping?.address);
    if (!details.shipping?.name?.trim() || !address?.line1 || !address.country)
      throw invalidRequest("Your shipping address is incomplete.", "shipping");
    const allowed = session.shipping_address_collection.allowed_countries as string[];
    if (!allowed.includes(address.country)) throw invalidRequest(`We cannot ship to ${address.country}.`, "shipping[address][country]");
  }
  if (
    details.shippingRate &&
    !session.shipping_options.some(
      (o) => (typeof o.shipping_rate === "string" ? o.shipping_rate : o.shipping_rate.id) === details.shippingRate,
    )
  ) {
    throw invalidRequest(`The shipping rate \`${details.shippingRate}\` is not one of this session's shipping options.`, "shippingRate");
  }
  if (details.taxId && !session.tax_id_collection?.enabled)
    throw invalidRequest("This Checkout Session does not collect tax IDs.", "taxId");
}

/**
 * Writes what the customer typed to the customer: always for a customer Checkout created, and per `customer_update`
 * (`auto`) for an existing one. Sets `customer_details` and `collected_information` on the session.
 */
export function applyCheckoutDetails(
  emu: Emulator,
  session: Stripe.Checkout.Session,
  customer: Stripe.Customer,
  details: CheckoutDetails,
  name: string | null,
  createdHere: boolean,
): void {
  const update = checkoutTaxSettings(emu, session.id).customerUpdate;
  const address = toAddress(details.address);
  const shippingAddress = toAddress(details.shipping?.address);
  const shipping =
    details.shipping?.name && shippingAddress ? { address: shippingAddress, name: details.shipping.name.trim(), phone: null } : null;
  const before = clone(customer);
  const may = (field: "address" | "name" | "shipping") => createdHere || update?.[field] === "auto";
  let changed = false;
  if (address && may("address")) {
    customer.address = address;
    changed = true;
  }
  const businessName = details.businessName?.trim() || null;
  const newName = businessName ?? name;
  if (newName && may("name") && customer.name !== newName) {
    customer.name = newName;
    changed = true;
  }
  if (shipping && may("shipping")) {
    customer.shipping = shipping;
    changed = true;
  }
  if (changed) emitEvent(emu, "customer.updated", customer, before);
  if (session.customer_details) {
    session.customer_details.address = address ?? shippingAddress ?? customer.address ?? null;
    session.customer_details.business_name = businessName;
    session.customer_details.tax_ids = details.taxId
      ? [{ type: details.taxId.type as Stripe.Checkout.Session.CustomerDetails.TaxId.Type, value: details.taxId.value }]
      : [];
  }
  if (shipping || businessName) {
    session.collected_information = {
      business_name: businessName,
      individual_name: null,
      shipping_details: shipping ? { address: shipping.address, name: shipping.name } : null,
    };
  }
}
