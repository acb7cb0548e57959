import type { Emulator } from "../emulator";
import type { FormRecord, FormValue } from "../http/form";
import { invalidRequest, parameterInvalid } from "../http/errors";
import { unsupportedParameter } from "../schema/validate";
import { clone } from "../json";
import type { ResponseField } from "../schema/types";
import type { ApiVersion } from "./versions";

/** A JSON object of a response, as it is being rewritten. */
export type Json = Record<string, unknown>;

export interface RenderContext {
  emu: Emulator;
  /** The version the response is rendered in. */
  version: ApiVersion;
}

/**
 * One difference between Stripe API versions, for the resources the emulator implements.
 *
 * `version` is the version that made the change: clients on an earlier version get the earlier behaviour.
 * A change can have a request side (`upgradeRequest`: turns an earlier client's parameters into the current
 * version's, or refuses them), a response side (`downgrade`: turns one object of the current shape into the shape
 * before the change, in place), event types or endpoints that did not exist before it, or several of these.
 */
export interface VersionChange {
  /** A short name for the change (tests name it). */
  id: string;
  version: ApiVersion;
  /** What changed, in the changelog's words. */
  change: string;
  /** The Stripe changelog entry (or stripe-node release) it comes from. */
  source: string;
  /** `object` values `downgrade` applies to. */
  objects?: string[];
  downgrade?: (object: Json, ctx: RenderContext) => void;
  /** For events about these objects: the same change applied to `data.previous_attributes`. */
  downgradePrevious?: (previous: Json, object: Json) => void;
  /** Endpoint keys (as in supported.ts) `upgradeRequest` applies to. */
  endpoints?: string[];
  upgradeRequest?: (raw: FormRecord, endpoint: string) => void;
  /** Event types this version introduced: not sent to webhook endpoints on earlier versions. */
  addedEventTypes?: string[];
  /** Endpoints this version introduced: unknown URLs for earlier versions. */
  addedEndpoints?: string[];
  /** Endpoints this version removed: earlier versions still reach them, served by the current endpoint that replaced them. */
  removedEndpoints?: RemovedEndpoint[];
  /**
   * For `expand[]` in earlier versions, per response type as the schema names it (`Invoice`, `Session`): the fields
   * this change removed, as earlier versions have them. An id field names the resource it points to
   * (`{ expandable: true, type: 'PaymentIntent' }`); a list or object field names its type so a path can go through it.
   */
  removedFields?: Record<string, Record<string, ResponseField>>;
  /** For `expand[]`: the fields (per response type) this change added, which earlier versions do not have. */
  addedFields?: Record<string, string[]>;
}

export interface RemovedEndpoint {
  method: "GET" | "POST" | "DELETE";
  path: string;
  /** The current endpoint (`METHOD /v1/path`) that serves it. */
  servedBy: string;
  /** Its parameters as the serving endpoint's. */
  upgrade: (raw: FormRecord) => void;
  /** The part of the serving endpoint's answer it returns (default: all of it). */
  select?: (body: Json) => unknown;
}

const CHANGELOG = "https://docs.stripe.com/changelog";
const NODE = "https://github.com/stripe/stripe-node/blob/master/CHANGELOG.md";

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function idOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (isRecord(value) && typeof value.id === "string") return value.id;
  return null;
}

/** The stored object behind an id (or the expanded object itself), as a copy that can be rendered. */
function lookup(ctx: RenderContext, value: unknown): Json | null {
  const id = idOf(value);
  const found = id ? ctx.emu.store.findById(id) : undefined;
  return found ? (clone(found) as Json) : null;
}

/** Refuse a parameter a version accepted that the emulator does not implement (its usual 400, never ignored). */
function refuseUnimplemented(raw: FormRecord, params: string[]): void {
  for (const param of params) {
    const [head, child] = param.split(".");
    const value = raw[head];
    if (value === undefined) continue;
    if (!child) throw unsupportedParameter(head);
    if (isRecord(value) && value[child] !== undefined) throw unsupportedParameter(`${head}[${child}]`);
  }
}

/** A parameter a version did not have yet: Stripe's `parameter_unknown`. */
function refuseUnknown(raw: FormRecord, param: string): void {
  if (raw[param] !== undefined) throw invalidRequest(`Received unknown parameter: ${param}`, param, "parameter_unknown");
}

/** `payment_method_types[]` as clients before endive send it: only `card` is implemented (the emulator's only method). */
function acceptPaymentMethodTypes(raw: FormRecord): void {
  const value = raw.payment_method_types;
  if (value === undefined) return;
  const list: FormValue[] = Array.isArray(value) ? value : isRecord(value) ? Object.values(value).filter((v) => v !== undefined) : [value];
  if (list.length === 0 || (list.length === 1 && list[0] === "")) {
    throw invalidRequest("Invalid array", "payment_method_types", "parameter_invalid_array");
  }
  list.forEach((type, i) => {
    if (typeof type !== "string") throw parameterInvalid(`payment_method_types[${i}]`, "Invalid string: expected a value, got an object");
    if (type !== "card") {
      throw invalidRequest(
        `payment_method_types[${i}]=${type} is not supported by the emulator (it implements card); Stripe accepts it, but the emulator refuses the request instead of behaving differently.`,
        `payment_method_types[${i}]`,
        "emulator_unsupported_parameter",
      );
    }
  });
  delete raw.payment_method_types;
}

/** A price as a legacy Plan object (what `plan` fields held). */
function planFrom(price: Json): Json {
  const recurring = isRecord(price.recurring) ? price.recurring : null;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    aggregate_usage: recurring?.usage_type === "metered" ? "sum" : null,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring?.interval ?? null,
    interval_count: recurring?.interval_count ?? null,
    livemode: false,
    metadata: price.metadata,
    meter: recurring?.meter ?? null,
    nickname: price.nickname ?? null,
    product: price.product,
    tiers_mode: price.tiers_mode ?? null,
    transform_usage: price.transform_quantity ?? null,
    trial_period_days: recurring?.trial_period_days ?? null,
    usage_type: recurring?.usage_type ?? "licensed",
  };
}

function pricingPrice(object: Json, ctx: RenderContext): Json | null {
  const pricing = isRecord(object.pricing) ? object.pricing : null;
  const details = pricing && isRecord(pricing.price_details) ? pricing.price_details : null;
  return details ? lookup(ctx, details.price) : null;
}

function invoicePaymentIntent(ctx: RenderContext, invoiceId: unknown): string | null {
  return typeof invoiceId === "string" ? (ctx.emu.store.invoicePaymentIntents.get(invoiceId) ?? null) : null;
}

function invoiceOfPaymentIntent(ctx: RenderContext, paymentIntentId: string | null): string | null {
  if (!paymentIntentId) return null;
  for (const [invoice, pi] of ctx.emu.store.invoicePaymentIntents) if (pi === paymentIntentId) return invoice;
  return null;
}

/** `GET /v1/invoices/upcoming` parameters as `POST /v1/invoices/create_preview` takes them (`subscription_x` → `subscription_details[x]`). */
function upcomingAsPreview(raw: FormRecord): void {
  refuseUnimplemented(raw, ["coupon"]);
  const details: FormRecord = isRecord(raw.subscription_details) ? raw.subscription_details : {};
  for (const key of Object.keys(raw)) {
    if (!key.startsWith("subscription_") || key === "subscription_details") continue;
    details[key === "subscription_items" ? "items" : key.slice("subscription_".length)] = raw[key];
    delete raw[key];
  }
  if (Object.keys(details).length) raw.subscription_details = details;
}

/** Checkout's `ui_mode` values before and after dahlia renamed them. */
const UI_MODES: Record<string, string> = { hosted: "hosted_page", embedded: "embedded_page", custom: "elements" };

/** `line_items[]` fields of Checkout Session create before 2022-08-01 that `price_data` replaced (not implemented). */
const LEGACY_LINE_ITEM_FIELDS = ["amount", "currency", "name", "description", "images"];

export const VERSION_TABLE: VersionChange[] = [
  {
    id: "checkout.shipping",
    version: "2022-08-01",
    change: "Checkout Session: `shipping` renamed `shipping_details`; `shipping_rate` moved into the new `shipping_cost` hash.",
    source: `${CHANGELOG}/2022-08-01/updates-shipping-property-checkout-session`,
    objects: ["checkout.session"],
    removedFields: {
      Session: {
        shipping: { type: "Session.CollectedInformation.ShippingDetails" },
        shipping_rate: { expandable: true, type: "ShippingRate" },
      },
    },
    addedFields: { Session: ["shipping_details", "shipping_cost"] },
    downgrade(session) {
      // Before basil the table has already put `shipping_details` back at the top level.
      session.shipping = session.shipping_details ?? null;
      const cost = isRecord(session.shipping_cost) ? session.shipping_cost : null;
      session.shipping_rate = cost ? (cost.shipping_rate ?? null) : null;
      delete session.shipping_details;
      delete session.shipping_cost;
    },
  },
  {
    id: "checkout.customer_creation",
    version: "2022-08-01",
    change: "Checkout Session in payment mode: the default `customer_creation` changed from `always` to `if_required`.",
    source: `${CHANGELOG}/2022-08-01/default-customer-creation-checkout-session`,
    objects: ["checkout.session"],
    downgrade(session) {
      // The emulator takes no `customer_creation` parameter and creates a customer for every completed payment-mode
      // session, so `if_required` is always the defaulted value: earlier versions defaulted (and behave) `always`.
      if (session.mode === "payment" && session.customer_creation === "if_required") session.customer_creation = "always";
    },
  },
  {
    id: "checkout.legacy_line_items",
    version: "2022-08-01",
    change:
      "Checkout Session create: `line_items[][amount]`, `[currency]`, `[name]`, `[description]` and `[images]` removed (use `price` or `price_data`).",
    source: `${CHANGELOG}/2022-08-01/replaces-line-item-create-checkout-session`,
    endpoints: ["POST /v1/checkout/sessions"],
    upgradeRequest(raw) {
      const items = raw.line_items;
      const list: unknown[] = Array.isArray(items) ? items : isRecord(items) ? Object.values(items) : [];
      list.forEach((item, i) => {
        if (!isRecord(item)) return;
        const field = LEGACY_LINE_ITEM_FIELDS.find((f) => item[f] !== undefined);
        if (field) throw unsupportedParameter(`line_items[${i}][${field}]`);
      });
    },
  },
  {
    id: "checkout.shipping_rates",
    version: "2022-08-01",
    change: "Checkout Session create: `shipping_rates` removed (use `shipping_options`).",
    source: `${CHANGELOG}/2022-08-01/removes-shipping-rate-create-checkout-session`,
    endpoints: ["POST /v1/checkout/sessions"],
    upgradeRequest: (raw) => refuseUnimplemented(raw, ["shipping_rates"]),
  },
  {
    id: "checkout.subscription_data.coupon",
    version: "2022-08-01",
    change: "Checkout Session create: `subscription_data[coupon]` removed (use `discounts`).",
    source: `${CHANGELOG}/2022-08-01/removes-subscription-data-create-checkout-session`,
    endpoints: ["POST /v1/checkout/sessions"],
    upgradeRequest: (raw) => refuseUnimplemented(raw, ["subscription_data.coupon"]),
  },
  {
    id: "invoice.pending_invoice_items_behavior",
    version: "2022-08-01",
    change:
      "Invoice create: `pending_invoice_items_behavior` defaults to `exclude` (`include` before) and no longer takes `include_and_require`.",
    source: `${CHANGELOG}/2022-08-01/removes-include-require-value-invoices`,
    endpoints: ["POST /v1/invoices"],
    upgradeRequest(raw) {
      const value = raw.pending_invoice_items_behavior;
      if (value === undefined) raw.pending_invoice_items_behavior = "include";
      else if (value === "include_and_require") throw unsupportedParameter("pending_invoice_items_behavior");
    },
  },
  {
    id: "charge.refunds",
    version: "2022-11-15",
    change: "Charge: `refunds` (a list of the Refunds) no longer included by default (expand it).",
    source: `${CHANGELOG}/2022-11-15/deprecates-charges-auto-expand`,
    objects: ["charge"],
    downgrade(charge, ctx) {
      if (charge.refunds !== undefined && charge.refunds !== null) return;
      const refunds = [...ctx.emu.store.refunds.values()].filter((r) => idOf(r.charge) === charge.id).reverse();
      charge.refunds = {
        object: "list",
        data: clone(refunds),
        has_more: false,
        total_count: refunds.length,
        url: `/v1/charges/${String(charge.id)}/refunds`,
      };
    },
  },
  {
    id: "payment_intent.charges",
    version: "2022-11-15",
    change: "PaymentIntent: `charges` (a list of the Charges) removed; `latest_charge` names the last one.",
    source: `${CHANGELOG}/2022-11-15/removes-charges-attribute-paymentintent`,
    objects: ["payment_intent"],
    removedFields: { PaymentIntent: { charges: { type: "ApiList<Charge>" } } },
    downgrade(pi, ctx) {
      const charges = [...ctx.emu.store.charges.values()].filter((c) => c.payment_intent === pi.id).reverse();
      pi.charges = {
        object: "list",
        data: clone(charges),
        has_more: false,
        total_count: charges.length,
        url: `/v1/charges?payment_intent=${String(pi.id)}`,
      };
    },
  },
  {
    id: "checkout.subscription_data.items",
    version: "2022-11-15",
    change: "Checkout Session create: deprecated `subscription_data[items]` removed (use `line_items`).",
    source: `${NODE}#11-0-0`,
    endpoints: ["POST /v1/checkout/sessions"],
    upgradeRequest: (raw) => refuseUnimplemented(raw, ["subscription_data.items"]),
  },
  {
    id: "checkout.trial_from_plan",
    version: "2023-08-16",
    change: "Checkout Session create: `subscription_data[trial_from_plan]` removed.",
    source: `${CHANGELOG}/2023-08-16`,
    endpoints: ["POST /v1/checkout/sessions"],
    upgradeRequest: (raw) => refuseUnimplemented(raw, ["subscription_data.trial_from_plan"]),
  },
  {
    id: "charge.dispute",
    version: "2023-08-16",
    change: "Charge: `dispute` and `destination` removed (list disputes by charge; Connect destinations on `transfer_data`).",
    source: `${CHANGELOG}/2023-08-16`,
    objects: ["charge"],
    removedFields: { Charge: { dispute: { expandable: true }, destination: { expandable: true, type: "Account" } } },
    downgrade(charge) {
      charge.dispute = null;
      charge.destination = null;
    },
  },
  {
    id: "product.attributes",
    version: "2023-08-16",
    change: "Product: `attributes`, `caption` and `deactivate_on` removed.",
    source: `${CHANGELOG}/2023-08-16`,
    objects: ["product"],
    downgrade(product) {
      product.attributes = [];
      product.caption = null;
      product.deactivate_on = [];
    },
  },
  {
    id: "price.update_recurring",
    version: "2023-08-16",
    change: "Price update: `recurring` removed (a price's interval cannot change).",
    source: `${CHANGELOG}/2023-08-16`,
    endpoints: ["POST /v1/prices/{}"],
    upgradeRequest: (raw) => refuseUnimplemented(raw, ["recurring"]),
  },
  {
    id: "product.marketing_features",
    version: "2024-04-10",
    change: "Product: `features` renamed `marketing_features` (parameter and field).",
    source: `${CHANGELOG}/2024-04-10`,
    objects: ["product"],
    removedFields: { Product: { features: { type: "Product.MarketingFeature" } } },
    addedFields: { Product: ["marketing_features"] },
    downgrade(product) {
      product.features = product.marketing_features ?? [];
      delete product.marketing_features;
    },
    endpoints: ["POST /v1/products", "POST /v1/products/{}"],
    upgradeRequest(raw) {
      refuseUnknown(raw, "marketing_features");
      if (raw.features === undefined) return;
      raw.marketing_features = raw.features;
      delete raw.features;
    },
  },
  {
    id: "invoice.rendering_options",
    version: "2024-04-10",
    change: "Invoice: the legacy `rendering_options` removed (use `rendering`).",
    source: `${CHANGELOG}/2024-04-10`,
    objects: ["invoice"],
    downgrade(invoice) {
      invoice.rendering_options = null;
    },
  },
  {
    id: "subscription.current_period",
    version: "2025-03-31.basil",
    change: "Subscription: `current_period_start` / `current_period_end` moved from the subscription to each subscription item.",
    source: `${CHANGELOG}/basil/2025-03-31/deprecate-subscription-current-period-start-and-end`,
    objects: ["subscription", "subscription_item"],
    removedFields: { Subscription: { current_period_start: {}, current_period_end: {} } },
    addedFields: { SubscriptionItem: ["current_period_start", "current_period_end"] },
    downgrade(object) {
      if (object.object === "subscription_item") {
        delete object.current_period_start;
        delete object.current_period_end;
        return;
      }
      const items = isRecord(object.items) && Array.isArray(object.items.data) ? (object.items.data as unknown[]).filter(isRecord) : [];
      const first = items[0];
      object.current_period_start = first?.current_period_start ?? object.start_date ?? null;
      object.current_period_end = first?.current_period_end ?? null;
    },
    downgradePrevious(previous) {
      const items =
        isRecord(previous.items) && Array.isArray(previous.items.data) ? (previous.items.data as unknown[]).filter(isRecord) : [];
      const first = items[0];
      if (first?.current_period_start !== undefined) previous.current_period_start = first.current_period_start;
      if (first?.current_period_end !== undefined) previous.current_period_end = first.current_period_end;
      for (const item of items) {
        delete item.current_period_start;
        delete item.current_period_end;
      }
    },
  },
  {
    id: "invoice.payment_intent",
    version: "2025-03-31.basil",
    change: "Invoice: `payment_intent` and `charge` removed; an invoice's payments are InvoicePayment objects (`payments`).",
    source: `${CHANGELOG}/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices`,
    objects: ["invoice"],
    removedFields: {
      Invoice: { payment_intent: { expandable: true, type: "PaymentIntent" }, charge: { expandable: true, type: "Charge" } },
    },
    addedFields: { Invoice: ["payments", "amount_overpaid", "confirmation_secret"] },
    downgrade(invoice, ctx) {
      const pi = invoicePaymentIntent(ctx, invoice.id);
      const stored = pi ? ctx.emu.store.paymentIntents.get(pi) : undefined;
      invoice.payment_intent = pi;
      invoice.charge = stored ? idOf(stored.latest_charge) : null;
      delete invoice.payments;
      delete invoice.amount_overpaid;
      delete invoice.confirmation_secret;
    },
  },
  {
    id: "invoice.upcoming_endpoints",
    version: "2025-03-31.basil",
    change: "Invoices: `GET /v1/invoices/upcoming` and `GET /v1/invoices/upcoming/lines` removed (use `POST /v1/invoices/create_preview`).",
    source: `${CHANGELOG}/basil/2025-03-31/invoice-preview-api-deprecations`,
    removedEndpoints: [
      { method: "GET", path: "/v1/invoices/upcoming", servedBy: "POST /v1/invoices/create_preview", upgrade: upcomingAsPreview },
      {
        method: "GET",
        path: "/v1/invoices/upcoming/lines",
        servedBy: "POST /v1/invoices/create_preview",
        upgrade(raw) {
          // The preview's lines come back whole: list paging applies to nothing here.
          for (const key of ["limit", "starting_after", "ending_before"]) delete raw[key];
          upcomingAsPreview(raw);
        },
        select: (invoice) => invoice.lines,
      },
    ],
  },
  {
    id: "invoice_payment.added",
    version: "2025-03-31.basil",
    change: "The InvoicePayment object, its endpoints and the `invoice.overpaid` event are added.",
    source: `${CHANGELOG}/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices`,
    addedEventTypes: ["invoice.overpaid"],
    addedEndpoints: ["GET /v1/invoice_payments", "GET /v1/invoice_payments/{}"],
  },
  {
    id: "invoice_payment.paid_event",
    version: "2025-05-28.basil",
    change: "The `invoice_payment.paid` event is added (an attached payment reached `paid`).",
    source: `${CHANGELOG}/basil/2025-05-28/partial-payments`,
    addedEventTypes: ["invoice_payment.paid"],
  },
  {
    id: "invoice.paid",
    version: "2025-03-31.basil",
    change: "Invoice: `paid` and `paid_out_of_band` removed (use `status`).",
    source: `${CHANGELOG}/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices`,
    objects: ["invoice"],
    downgrade(invoice) {
      invoice.paid = invoice.status === "paid";
      invoice.paid_out_of_band = false;
    },
  },
  {
    id: "invoice.total_tax_amounts",
    version: "2025-03-31.basil",
    change: "Invoice: `total_tax_amounts` and `tax` replaced by `total_taxes`.",
    source: `${CHANGELOG}/basil#2025-03-31.basil`,
    objects: ["invoice"],
    removedFields: { Invoice: { total_tax_amounts: {}, tax: {} } },
    addedFields: { Invoice: ["total_taxes"] },
    downgrade(invoice) {
      const taxes = Array.isArray(invoice.total_taxes) ? (invoice.total_taxes as unknown[]).filter(isRecord) : [];
      invoice.total_tax_amounts = taxes.map((t) => ({
        amount: t.amount,
        inclusive: t.tax_behavior === "inclusive",
        tax_rate: isRecord(t.tax_rate_details) ? t.tax_rate_details.tax_rate : null,
        taxability_reason: t.taxability_reason ?? null,
        taxable_amount: t.taxable_amount ?? null,
      }));
      invoice.tax = taxes.length ? taxes.reduce((sum, t) => sum + (typeof t.amount === "number" ? t.amount : 0), 0) : null;
      delete invoice.total_taxes;
    },
  },
  {
    id: "invoice.application_fee_amount",
    version: "2025-03-31.basil",
    change: "Invoice: `application_fee_amount`, `transfer_data` and `quote` removed (Connect and Quotes details moved).",
    source: `${CHANGELOG}/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects`,
    objects: ["invoice"],
    removedFields: { Invoice: { application_fee_amount: {}, transfer_data: {}, quote: { expandable: true } } },
    downgrade(invoice) {
      invoice.application_fee_amount = null;
      invoice.transfer_data = null;
      invoice.quote = null;
    },
  },
  {
    id: "discount.single",
    version: "2025-03-31.basil",
    change: "Invoice and Subscription: `discount` removed (use `discounts`).",
    source: `${CHANGELOG}/basil#2025-03-31.basil`,
    objects: ["invoice", "subscription"],
    removedFields: { Invoice: { discount: { type: "Discount" } }, Subscription: { discount: { type: "Discount" } } },
    downgrade(object, ctx) {
      const discounts = Array.isArray(object.discounts) ? object.discounts : [];
      object.discount = discounts.length === 1 ? lookup(ctx, discounts[0]) : null;
    },
  },
  {
    id: "invoice.subscription",
    version: "2025-03-31.basil",
    change: "Invoice: `subscription`, `subscription_details` and `subscription_proration_date` moved under `parent.subscription_details`.",
    source: `${CHANGELOG}/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects`,
    objects: ["invoice"],
    removedFields: {
      Invoice: { subscription: { expandable: true, type: "Subscription" }, subscription_details: {}, subscription_proration_date: {} },
    },
    addedFields: { Invoice: ["parent"] },
    downgrade(invoice) {
      const parent = isRecord(invoice.parent) ? invoice.parent : null;
      const details = parent && isRecord(parent.subscription_details) ? parent.subscription_details : null;
      invoice.subscription = details?.subscription ?? null;
      invoice.subscription_details = details ? { metadata: details.metadata ?? null } : null;
      if (details?.subscription_proration_date !== undefined) invoice.subscription_proration_date = details.subscription_proration_date;
      delete invoice.parent;
    },
  },
  {
    id: "line_item.price",
    version: "2025-03-31.basil",
    change: "Invoice line item: `price` and `plan` replaced by `pricing` (`pricing.price_details.price`).",
    source: `${CHANGELOG}/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects`,
    objects: ["line_item"],
    removedFields: { InvoiceLineItem: { price: { type: "Price" }, plan: { type: "Plan" } } },
    addedFields: { InvoiceLineItem: ["pricing"] },
    downgrade(line, ctx) {
      const price = pricingPrice(line, ctx);
      line.price = price;
      line.plan = price && price.type === "recurring" ? planFrom(price) : null;
      delete line.pricing;
    },
  },
  {
    id: "line_item.parent",
    version: "2025-03-31.basil",
    change: "Invoice line item: `proration`, `proration_details`, `subscription_item`, `invoice_item` and `type` moved under `parent`.",
    source: `${CHANGELOG}/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects`,
    objects: ["line_item"],
    removedFields: {
      InvoiceLineItem: {
        type: {},
        proration: {},
        proration_details: {},
        invoice_item: { expandable: true, type: "InvoiceItem" },
        subscription_item: { expandable: true, type: "SubscriptionItem" },
      },
    },
    addedFields: { InvoiceLineItem: ["parent"] },
    downgrade(line) {
      const parent = isRecord(line.parent) ? line.parent : null;
      const fromItem = parent && isRecord(parent.subscription_item_details) ? parent.subscription_item_details : null;
      const fromInvoiceItem = parent && isRecord(parent.invoice_item_details) ? parent.invoice_item_details : null;
      const details = fromItem ?? fromInvoiceItem;
      const invoiceItem = (details?.invoice_item as string | null | undefined) || null;
      line.type = invoiceItem ? "invoiceitem" : "subscription";
      if (invoiceItem) line.invoice_item = invoiceItem;
      line.proration = details?.proration ?? false;
      line.proration_details = {
        credited_items: isRecord(details?.proration_details) ? (details.proration_details.credited_items ?? null) : null,
      };
      line.subscription_item = fromItem?.subscription_item || null;
      delete line.parent;
    },
  },
  {
    id: "line_item.tax_amounts",
    version: "2025-03-31.basil",
    change: "Invoice line item: `tax_amounts`, `tax_rates`, `amount_excluding_tax` and `unit_amount_excluding_tax` replaced by `taxes`.",
    source: `${CHANGELOG}/basil#2025-03-31.basil`,
    objects: ["line_item"],
    removedFields: {
      InvoiceLineItem: { tax_amounts: {}, tax_rates: { type: "TaxRate" }, amount_excluding_tax: {}, unit_amount_excluding_tax: {} },
    },
    addedFields: { InvoiceLineItem: ["taxes"] },
    downgrade(line) {
      const quantity = typeof line.quantity === "number" && line.quantity > 0 ? line.quantity : 1;
      line.tax_amounts = [];
      line.tax_rates = [];
      line.amount_excluding_tax = line.amount;
      line.unit_amount_excluding_tax = String(Number(line.amount) / quantity);
      delete line.taxes;
    },
  },
  {
    id: "invoiceitem.pricing",
    version: "2025-03-31.basil",
    change:
      "Invoice item: `price`, `plan`, `unit_amount` and `unit_amount_decimal` replaced by `pricing`; `subscription` and `subscription_item` moved under `parent`.",
    source: `${CHANGELOG}/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects`,
    objects: ["invoiceitem"],
    removedFields: {
      InvoiceItem: {
        price: { type: "Price" },
        plan: { type: "Plan" },
        unit_amount: {},
        unit_amount_decimal: {},
        subscription: { expandable: true, type: "Subscription" },
        subscription_item: { expandable: true, type: "SubscriptionItem" },
      },
    },
    addedFields: { InvoiceItem: ["pricing", "parent"] },
    downgrade(item, ctx) {
      const price = pricingPrice(item, ctx);
      const pricing = isRecord(item.pricing) ? item.pricing : null;
      item.price = price;
      item.plan = price && price.type === "recurring" ? planFrom(price) : null;
      item.unit_amount_decimal = pricing?.unit_amount_decimal ?? null;
      item.unit_amount = item.unit_amount_decimal === null ? null : Math.round(Number(String(item.unit_amount_decimal)));
      const parent = isRecord(item.parent) && isRecord(item.parent.subscription_details) ? item.parent.subscription_details : null;
      item.subscription = parent?.subscription ?? null;
      item.subscription_item = parent?.subscription_item ?? null;
      delete item.pricing;
      delete item.parent;
    },
  },
  {
    id: "invoiceitem.create_price",
    version: "2025-03-31.basil",
    change: "Invoice item create: `price` renamed to `pricing[price]`.",
    source: `${CHANGELOG}/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects`,
    endpoints: ["POST /v1/invoiceitems"],
    upgradeRequest(raw) {
      refuseUnknown(raw, "pricing");
      refuseUnimplemented(raw, ["unit_amount"]);
      if (raw.price === undefined) return;
      raw.pricing = { price: raw.price };
      delete raw.price;
    },
  },
  {
    id: "charge.invoice",
    version: "2025-03-31.basil",
    change: "Charge and PaymentIntent: `invoice` removed (an invoice lists its payments instead).",
    source: `${CHANGELOG}/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices`,
    objects: ["charge", "payment_intent"],
    removedFields: {
      Charge: { invoice: { expandable: true, type: "Invoice" } },
      PaymentIntent: { invoice: { expandable: true, type: "Invoice" } },
    },
    downgrade(object, ctx) {
      const pi = object.object === "charge" ? idOf(object.payment_intent) : idOf(object.id);
      object.invoice = invoiceOfPaymentIntent(ctx, pi);
    },
  },
  {
    id: "price.aggregate_usage",
    version: "2025-03-31.basil",
    change: "Price: `recurring.aggregate_usage` removed (usage-based prices aggregate through their meter).",
    source: `${CHANGELOG}/basil#2025-03-31.basil`,
    objects: ["price"],
    downgrade(price) {
      if (isRecord(price.recurring)) price.recurring.aggregate_usage = price.recurring.usage_type === "metered" ? "sum" : null;
    },
  },
  {
    id: "checkout.shipping_details",
    version: "2025-03-31.basil",
    change: "Checkout Session: `shipping_details` removed (use `collected_information.shipping_details`).",
    source: `${CHANGELOG}/basil#2025-03-31.basil`,
    objects: ["checkout.session"],
    removedFields: { Session: { shipping_details: { type: "Session.CollectedInformation.ShippingDetails" } } },
    downgrade(session) {
      const collected = isRecord(session.collected_information) ? session.collected_information : null;
      session.shipping_details = collected?.shipping_details ?? null;
    },
  },
  {
    id: "coupon.params",
    version: "2025-03-31.basil",
    change: "Customer and Subscription create/update: `coupon` and `promotion_code` removed (use `discounts`).",
    source: `${CHANGELOG}/basil#2025-03-31.basil`,
    endpoints: ["POST /v1/customers", "POST /v1/customers/{}", "POST /v1/subscriptions", "POST /v1/subscriptions/{}"],
    upgradeRequest: (raw) => refuseUnimplemented(raw, ["coupon", "promotion_code"]),
  },
  {
    id: "subscription.billing_mode",
    version: "2025-06-30.basil",
    change: "Subscription: `billing_mode` added (parameter and field).",
    source: `${CHANGELOG}/basil/2025-06-30/billing-mode`,
    objects: ["subscription"],
    addedFields: { Subscription: ["billing_mode"] },
    downgrade(subscription) {
      delete subscription.billing_mode;
    },
    endpoints: ["POST /v1/subscriptions", "POST /v1/checkout/sessions"],
    upgradeRequest(raw, endpoint) {
      if (endpoint === "POST /v1/subscriptions") return refuseUnknown(raw, "billing_mode");
      if (isRecord(raw.subscription_data) && raw.subscription_data.billing_mode !== undefined) {
        throw invalidRequest(
          "Received unknown parameter: subscription_data[billing_mode]",
          "subscription_data[billing_mode]",
          "parameter_unknown",
        );
      }
    },
  },
  {
    id: "subscription.billing_mode_default",
    version: "2025-09-30.clover",
    change: "Subscriptions (created directly or through Checkout) default to `billing_mode[type]=flexible` (`classic` before).",
    source: `${CHANGELOG}/clover/2025-09-30/billing-mode-default-flexible`,
    endpoints: ["POST /v1/subscriptions", "POST /v1/checkout/sessions"],
    upgradeRequest(raw, endpoint) {
      if (endpoint === "POST /v1/subscriptions") {
        if (raw.billing_mode === undefined) raw.billing_mode = { type: "classic" };
        return;
      }
      // A malformed subscription_data is left for validation to refuse.
      if (raw.mode !== "subscription" || (raw.subscription_data !== undefined && !isRecord(raw.subscription_data))) return;
      const data = isRecord(raw.subscription_data) ? raw.subscription_data : {};
      if (data.billing_mode === undefined) raw.subscription_data = { ...data, billing_mode: { type: "classic" } };
    },
  },
  {
    id: "checkout.ui_mode",
    version: "2026-03-25.dahlia",
    change: "Checkout Session: `ui_mode` values `hosted`, `embedded` and `custom` renamed `hosted_page`, `embedded_page` and `elements`.",
    source: `${CHANGELOG}/dahlia/2026-03-25/updates-available-checkout-session-ui-modes`,
    objects: ["checkout.session"],
    downgrade(session) {
      const old = Object.entries(UI_MODES).find(([, current]) => current === session.ui_mode);
      if (old) session.ui_mode = old[0];
    },
    endpoints: ["POST /v1/checkout/sessions"],
    upgradeRequest(raw) {
      const value = raw.ui_mode;
      if (value === undefined) return;
      if (typeof value === "string" && UI_MODES[value]) {
        raw.ui_mode = UI_MODES[value];
        return;
      }
      throw parameterInvalid("ui_mode", "Invalid ui_mode: must be one of custom, embedded, or hosted");
    },
  },
  {
    id: "checkout.payment_method_types",
    version: "2026-09-30.endive",
    change:
      "Checkout Session create and PaymentIntent confirm: `payment_method_types` removed (dynamic payment methods; the field stays on the objects).",
    source: `${CHANGELOG}/endive/2026-09-30/remove-payment-method-types-checkout-sessions`,
    endpoints: ["POST /v1/checkout/sessions", "POST /v1/payment_intents/{}/confirm"],
    upgradeRequest: acceptPaymentMethodTypes,
  },
  {
    id: "intents.payment_method_types",
    version: "2026-09-30.endive",
    change:
      "PaymentIntent and SetupIntent create and update: `payment_method_types` removed; `allowed_payment_method_types` (added in dahlia) takes its place.",
    source: `${NODE}#23-0-0`,
    endpoints: ["POST /v1/payment_intents", "POST /v1/payment_intents/{}", "POST /v1/setup_intents", "POST /v1/setup_intents/{}"],
    upgradeRequest(raw) {
      const given = raw.payment_method_types !== undefined;
      acceptPaymentMethodTypes(raw);
      if (given && raw.allowed_payment_method_types === undefined) raw.allowed_payment_method_types = ["card"];
    },
  },
  {
    id: "portal.subscription_pause",
    version: "2026-10-28.endive",
    change: "Billing portal configuration: `features.subscription_pause` added.",
    source: `${NODE}#23-1-0`,
    objects: ["billing_portal.configuration"],
    downgrade(configuration) {
      if (isRecord(configuration.features)) delete configuration.features.subscription_pause;
    },
  },
];
