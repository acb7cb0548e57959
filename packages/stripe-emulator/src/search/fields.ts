/**
 * The query fields of each searchable resource, with their types, as Stripe documents them
 * (https://docs.stripe.com/search#supported-query-fields-for-each-resource):
 * - token: exact match (`:`), case-insensitive;
 * - string: exact match — the value's words, in order, among the field's words — and substring (`~`, 3 characters or more);
 * - numeric: exact match and `>`, `<`, `>=`, `<=`.
 * Every resource with metadata also takes `metadata["key"]` (a token).
 */
import type Stripe from "stripe";
import type { Emulator } from "../emulator";

export type FieldType = "token" | "string" | "numeric";

export interface SearchField {
  type: FieldType;
  /** The field's value on an object; null or undefined when absent (what `field:null` finds). */
  get: (emu: Emulator, object: never) => unknown;
}

export type SearchResource = "charges" | "customers" | "invoices" | "payment_intents" | "prices" | "products" | "subscriptions";

const field = <T>(type: FieldType, get: (emu: Emulator, object: T) => unknown): SearchField => ({ type, get: get as SearchField["get"] });
const idOf = (ref: string | { id: string } | null | undefined): string | null =>
  ref == null ? null : typeof ref === "string" ? ref : ref.id;

/**
 * `payment_method_details.{card,card_present,interac_present}.*` on a charge. The emulator's charges carry no
 * `payment_method_details`, so the card fields come from the charge's PaymentMethod (what Stripe copies into it).
 */
function chargeCardField(source: string, key: "last4" | "exp_month" | "exp_year" | "brand" | "fingerprint") {
  return field<Stripe.Charge>("token", (emu, charge) => {
    const details = charge.payment_method_details as unknown as Record<string, Record<string, unknown> | undefined> | null;
    if (details) return details[source]?.[key];
    if (source !== "card" || typeof charge.payment_method !== "string") return null;
    return emu.store.paymentMethods.get(charge.payment_method)?.card?.[key];
  });
}

const CHARGE_CARD_FIELDS: Record<string, SearchField> = Object.fromEntries(
  ["card", "card_present", "interac_present"].flatMap((source) =>
    (["last4", "exp_month", "exp_year", "brand", "fingerprint"] as const).map((key) => [
      `payment_method_details.${source}.${key}`,
      chargeCardField(source, key),
    ]),
  ),
);

export const SEARCH_FIELDS: Record<SearchResource, Record<string, SearchField>> = {
  charges: {
    amount: field<Stripe.Charge>("numeric", (_e, c) => c.amount),
    "billing_details.address.postal_code": field<Stripe.Charge>("token", (_e, c) => c.billing_details.address?.postal_code),
    created: field<Stripe.Charge>("numeric", (_e, c) => c.created),
    currency: field<Stripe.Charge>("token", (_e, c) => c.currency),
    customer: field<Stripe.Charge>("token", (_e, c) => idOf(c.customer)),
    disputed: field<Stripe.Charge>("token", (_e, c) => c.disputed),
    ...CHARGE_CARD_FIELDS,
    // "refunded:"true" filters for fully-refunded charges, refunded:"false" for partially-refunded charges, and
    // refunded:null for non-refunded charges."
    refunded: field<Stripe.Charge>("token", (_e, c) => (c.refunded ? true : c.amount_refunded > 0 ? false : null)),
    status: field<Stripe.Charge>("token", (_e, c) => c.status),
  },
  customers: {
    created: field<Stripe.Customer>("numeric", (_e, c) => c.created),
    email: field<Stripe.Customer>("string", (_e, c) => c.email),
    name: field<Stripe.Customer>("string", (_e, c) => c.name),
    phone: field<Stripe.Customer>("string", (_e, c) => c.phone),
  },
  invoices: {
    created: field<Stripe.Invoice>("numeric", (_e, i) => i.created),
    currency: field<Stripe.Invoice>("token", (_e, i) => i.currency),
    customer: field<Stripe.Invoice>("token", (_e, i) => idOf(i.customer)),
    last_finalization_error_code: field<Stripe.Invoice>("token", (_e, i) => i.last_finalization_error?.code),
    last_finalization_error_type: field<Stripe.Invoice>("token", (_e, i) => i.last_finalization_error?.type),
    number: field<Stripe.Invoice>("string", (_e, i) => i.number),
    receipt_number: field<Stripe.Invoice>("string", (_e, i) => i.receipt_number),
    status: field<Stripe.Invoice>("string", (_e, i) => i.status),
    subscription: field<Stripe.Invoice>("string", (_e, i) => idOf(i.parent?.subscription_details?.subscription)),
    total: field<Stripe.Invoice>("numeric", (_e, i) => i.total),
  },
  payment_intents: {
    amount: field<Stripe.PaymentIntent>("numeric", (_e, p) => p.amount),
    created: field<Stripe.PaymentIntent>("numeric", (_e, p) => p.created),
    currency: field<Stripe.PaymentIntent>("token", (_e, p) => p.currency),
    customer: field<Stripe.PaymentIntent>("token", (_e, p) => idOf(p.customer)),
    status: field<Stripe.PaymentIntent>("token", (_e, p) => p.status),
  },
  prices: {
    active: field<Stripe.Price>("token", (_e, p) => p.active),
    currency: field<Stripe.Price>("token", (_e, p) => p.currency),
    lookup_key: field<Stripe.Price>("string", (_e, p) => p.lookup_key),
    product: field<Stripe.Price>("string", (_e, p) => idOf(p.product)),
    type: field<Stripe.Price>("token", (_e, p) => p.type),
  },
  products: {
    active: field<Stripe.Product>("token", (_e, p) => p.active),
    description: field<Stripe.Product>("string", (_e, p) => p.description),
    name: field<Stripe.Product>("string", (_e, p) => p.name),
    shippable: field<Stripe.Product>("token", (_e, p) => p.shippable),
    url: field<Stripe.Product>("string", (_e, p) => p.url),
  },
  subscriptions: {
    canceled_at: field<Stripe.Subscription>("numeric", (_e, s) => s.canceled_at),
    created: field<Stripe.Subscription>("numeric", (_e, s) => s.created),
    status: field<Stripe.Subscription>("token", (_e, s) => s.status),
  },
};

/** The stored objects a search runs over. */
export function searchable(
  emu: Emulator,
  resource: SearchResource,
): Array<{ id: string; created: number; metadata?: Stripe.Metadata | null }> {
  const store = emu.store;
  const collections = {
    charges: store.charges,
    customers: store.customers,
    invoices: store.invoices,
    payment_intents: store.paymentIntents,
    prices: store.prices,
    products: store.products,
    subscriptions: store.subscriptions,
  } as const;
  return [...collections[resource].values()];
}
