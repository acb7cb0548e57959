import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { newId, randomToken } from "../ids";
import { invalidRequest, parameterMissing, resourceMissing } from "../http/errors";
import { newestFirst, paginate } from "../http/pagination";
import { registerIncludable } from "../http/expand";
import { mixedIntervals } from "../billing/subscriptions";
import { getCustomer, getPrice } from "./lookup";
import { createPrice } from "./prices";
import { productName } from "../billing/plans";
import { expireSession, priceSession, refreshExpiry } from "../billing/checkout";
import { discountsFrom, newRedemptions } from "../billing/discounts";
import { CHECKOUT_SESSION_LIFETIME } from "../config";
import { priceInCurrency } from "../billing/currency";
import { customerTaxLocation, requireTaxBehavior } from "../billing/tax";
import { setCheckoutTaxSettings } from "../billing/checkout-tax";
import { createShippingRate, getShippingRate, taxRatesFrom } from "./tax";

const AUTO_NEVER = ["auto", "never"] as const;

/** `shipping_options`: existing shipping rates or `shipping_rate_data`, in the session's currency. */
function shippingOptionsFrom(
  emu: Emulator,
  params: Params,
  mode: string,
  currency: string | null,
): Stripe.Checkout.Session.ShippingOption[] {
  const options = params.objArray("shipping_options") ?? [];
  if (options.length === 0) return [];
  if (mode !== "payment") {
    throw invalidRequest(
      "shipping_options is not supported by the emulator outside `payment` mode; Stripe accepts it, but the emulator refuses the request instead of behaving differently.",
      "shipping_options",
      "emulator_unsupported_parameter",
    );
  }
  if (options.length > 5) throw invalidRequest("You may only specify up to 5 shipping options.", "shipping_options");
  // Every option is checked before any shipping_rate_data creates a rate.
  const planned = options.map((option, index) => {
    const id = option.str("shipping_rate");
    const data = option.obj("shipping_rate_data");
    if (!id && !data)
      throw invalidRequest(
        "You must specify either `shipping_rate` or `shipping_rate_data`.",
        `shipping_options[${index}]`,
        "parameter_missing",
      );
    const rate = id ? getShippingRate(emu, id, `shipping_options[${index}][shipping_rate]`) : null;
    const rateCurrency = rate ? rate.fixed_amount?.currency : data?.obj("fixed_amount")?.str("currency")?.toLowerCase();
    if (currency && rateCurrency && rateCurrency !== currency) {
      throw invalidRequest(
        `The shipping rate's currency (\`${rateCurrency}\`) must match the session's currency (\`${currency}\`).`,
        `shipping_options[${index}]`,
      );
    }
    return { rate, data };
  });
  return planned.map(({ rate, data }) => {
    const created = rate ?? createShippingRate(emu, data as Params);
    return { shipping_amount: created.fixed_amount?.amount ?? 0, shipping_rate: created.id };
  });
}

const MODES = ["payment", "setup", "subscription"] as const;

function lineItemsFor(emu: Emulator, params: Params, mode: (typeof MODES)[number]): Stripe.LineItem[] {
  const sessionCurrency = params.str("currency")?.toLowerCase();
  const items = params.objArray("line_items") ?? [];
  if (mode !== "setup" && items.length === 0) throw parameterMissing("line_items");
  const lineItems = items.map((item, index) => {
    const priceData = item.obj("price_data");
    const priceId = item.str("price");
    let price: Stripe.Price;
    if (priceId) price = getPrice(emu, priceId, `line_items[${index}][price]`);
    else if (priceData) price = createPrice(emu, priceData);
    else
      throw invalidRequest(
        "You must specify either `price` or `price_data` for each line item.",
        `line_items[${index}]`,
        "parameter_missing",
      );
    if (!price.active) {
      throw invalidRequest(
        `The price specified is inactive. This field only accepts active prices.`,
        `line_items[${index}][price]`,
        "price_inactive",
      );
    }
    const metered = price.recurring?.usage_type === "metered";
    if (metered && item.has("quantity")) {
      throw invalidRequest(
        `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`line_items[${index}]\`.`,
        `line_items[${index}][quantity]`,
      );
    }
    const quantity = metered ? null : (item.int("quantity") ?? 1);
    // `currency` picks the price's currency option (its own currency when they are the same).
    const inCurrency = sessionCurrency ? priceInCurrency(emu, price, sessionCurrency) : undefined;
    if (sessionCurrency && !inCurrency) {
      throw invalidRequest(
        `The price \`${price.id}\` does not have a currency option for \`${sessionCurrency}\`.`,
        `line_items[${index}][price]`,
      );
    }
    const amount = ((inCurrency ?? price).unit_amount ?? 0) * (quantity ?? 0);
    const lineItem: Stripe.LineItem = {
      id: newId("li"),
      object: "item",
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: sessionCurrency ?? price.currency,
      description: productName(emu, price),
      metadata: item.applyMetadata({}),
      price,
      quantity,
    };
    return lineItem;
  });
  if (mode === "subscription" && !lineItems.some((li) => li.price?.type === "recurring")) {
    throw invalidRequest("You must provide at least one recurring price in `subscription` mode when using prices.", "line_items");
  }
  if (mixedIntervals(lineItems.flatMap((li) => (li.price ? [li.price] : [])))) {
    throw invalidRequest("Checkout does not support multiple prices with different billing intervals.", "line_items");
  }
  if (mode === "payment" && lineItems.some((li) => li.price?.type === "recurring")) {
    throw invalidRequest(
      "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
      "line_items",
    );
  }
  return lineItems;
}

/**
 * Where the customer goes: a hosted page has `success_url` / `cancel_url`; an embedded one stays on the merchant's
 * page and returns to `return_url` (required: the emulator has no `redirect_on_completion: never`).
 */
function checkRedirectUrls(params: Params, uiMode: "hosted_page" | "embedded_page" | "elements"): void {
  if (uiMode === "hosted_page") {
    if (params.has("return_url"))
      throw invalidRequest("`return_url` can only be used when `ui_mode` is `embedded_page` or `elements`.", "return_url");
    return;
  }
  for (const param of ["success_url", "cancel_url"]) {
    if (params.has(param))
      throw invalidRequest(`\`${param}\` is not supported when \`ui_mode\` is \`${uiMode}\`. Use \`return_url\` instead.`, param);
  }
  if (uiMode === "embedded_page" && !params.str("return_url")) {
    throw invalidRequest("`return_url` is required when `ui_mode` is `embedded_page`.", "return_url", "parameter_missing");
  }
}

function createSession(emu: Emulator, params: Params): Stripe.Checkout.Session {
  const mode = params.oneOf("mode", MODES);
  if (!mode) throw parameterMissing("mode");
  // This API version's values; hosted/embedded/custom are refused (by the parameter schema) like Stripe does.
  const uiMode = params.oneOf("ui_mode", ["hosted_page", "embedded_page", "elements"] as const) ?? "hosted_page";
  checkRedirectUrls(params, uiMode);
  const customerId = params.str("customer") ?? null;
  const customerEmail = params.str("customer_email") ?? null;
  if (customerId && customerEmail)
    throw invalidRequest("You may only specify one of these parameters: customer, customer_email.", "customer");
  const customer = customerId ? getCustomer(emu, customerId, "customer") : null;
  const lineItems = lineItemsFor(emu, params, mode);
  const subscriptionData = params.obj("subscription_data");
  const trialPeriodDays = subscriptionData?.int("trial_period_days") ?? null;
  const trialEnd = subscriptionData?.int("trial_end") ?? null;
  if (trialPeriodDays !== null && trialPeriodDays < 1) {
    throw invalidRequest("The minimum number of trial period days is 1.", "subscription_data[trial_period_days]");
  }
  const now = emu.nowFor(customer?.id);
  const subtotal = lineItems.reduce((sum, li) => sum + li.amount_subtotal, 0);
  if (params.has("discounts") && params.bool("allow_promotion_codes") === true) {
    throw invalidRequest("You may only specify one of these parameters: allow_promotion_codes, discounts.", "discounts");
  }
  const discounts = newRedemptions(
    discountsFrom(emu, params, {
      customer,
      amount: subtotal,
      currency: lineItems[0]?.currency ?? params.str("currency") ?? "usd",
      at: now,
    }),
  );
  if (discounts.length > 1) throw invalidRequest("You may only specify one discount.", "discounts");
  const dueToday = mode === "subscription" && (trialPeriodDays || trialEnd) ? 0 : subtotal;
  const lineTaxRates = (params.objArray("line_items") ?? []).map((item, index) =>
    taxRatesFrom(emu, item.strArray("tax_rates"), `line_items[${index}][tax_rates]`),
  );
  const automaticTax = params.obj("automatic_tax")?.bool("enabled") ?? false;
  const updateParams = params.obj("customer_update");
  if (updateParams && !customer) throw invalidRequest("`customer_update` can only be used with `customer`.", "customer_update");
  const customerUpdate = updateParams
    ? {
        address: updateParams.oneOf("address", AUTO_NEVER) ?? "never",
        name: updateParams.oneOf("name", AUTO_NEVER) ?? "never",
        shipping: updateParams.oneOf("shipping", AUTO_NEVER) ?? "never",
      }
    : null;
  if (automaticTax) {
    requireTaxBehavior(
      lineItems.map((li) =>
        li.price ? { ...li.price, tax_behavior: priceInCurrency(emu, li.price, li.currency)?.tax_behavior ?? li.price.tax_behavior } : null,
      ),
    );
    if (lineTaxRates.some((r) => r?.length))
      throw invalidRequest("You cannot set `tax_rates` on line items when automatic tax is enabled.", "line_items");
    if (customer && !customerTaxLocation(customer) && customerUpdate?.address !== "auto" && customerUpdate?.shipping !== "auto") {
      throw invalidRequest(
        "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.",
        "customer_update",
      );
    }
  }
  const shippingCollection = params.obj("shipping_address_collection");
  const shippingOptions = shippingOptionsFrom(emu, params, mode, lineItems[0]?.currency ?? params.str("currency")?.toLowerCase() ?? null);
  const id = `cs_test_${randomToken(58)}`;
  const successUrl = params.str("success_url") ?? null;
  const session: Stripe.Checkout.Session = {
    id,
    object: "checkout.session",
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: params.bool("allow_promotion_codes") ?? null,
    allowed_payment_method_types: null,
    amount_subtotal: dueToday,
    amount_total: dueToday,
    automatic_tax: automaticTax
      ? { enabled: true, liability: { type: "self" }, provider: "stripe", status: "requires_location_inputs" }
      : { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: params.oneOf("billing_address_collection", ["auto", "required"] as const) ?? null,
    cancel_url: params.str("cancel_url") ?? null,
    client_reference_id: params.str("client_reference_id") ?? null,
    client_secret: uiMode === "hosted_page" ? null : `${id}_secret_${randomToken(24)}`,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency: lineItems[0]?.currency ?? params.str("currency") ?? null,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: customer?.id ?? null,
    customer_account: null,
    customer_creation: customer ? null : mode === "payment" ? "if_required" : "always",
    customer_details: customer
      ? {
          address: null,
          business_name: null,
          email: customer.email,
          individual_name: null,
          name: customer.name ?? null,
          phone: null,
          tax_exempt: "none",
          tax_ids: null,
        }
      : null,
    customer_email: customerEmail,
    discounts: discounts.map((d) => ({ coupon: d.promotionCode ? null : d.coupon.id, promotion_code: d.promotionCode?.id ?? null })),
    expires_at: params.int("expires_at") ?? now + CHECKOUT_SESSION_LIFETIME,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: params.applyMetadata({}),
    mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection:
      mode === "subscription" ? (params.oneOf("payment_method_collection", ["always", "if_required"] as const) ?? "always") : null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card"],
    payment_status: dueToday === 0 && mode !== "payment" ? "no_payment_required" : "unpaid",
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: shippingCollection
      ? {
          allowed_countries: (shippingCollection.strArray("allowed_countries") ??
            []) as Stripe.Checkout.Session.ShippingAddressCollection.AllowedCountry[],
        }
      : null,
    shipping_cost: null,
    shipping_options: shippingOptions,
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: uiMode,
    url: uiMode === "hosted_page" ? emu.resourceUrl(`/checkout/${id}`) : null,
    wallet_options: null,
  };
  if (uiMode !== "hosted_page") session.return_url = params.str("return_url");
  if (params.has("tax_id_collection"))
    session.tax_id_collection = { enabled: params.obj("tax_id_collection")?.bool("enabled") ?? false, required: "never" };
  setCheckoutTaxSettings(emu, id, { customerUpdate, lineTaxRates });
  emu.store.checkoutSessions.set(id, session);
  emu.store.checkoutInternals.set(id, {
    lineItems,
    trialPeriodDays,
    trialEnd,
    subscriptionMetadata: subscriptionData?.applyMetadata({}) ?? {},
    subscriptionDescription: subscriptionData?.str("description") ?? null,
    pendingAuthenticationCard: null,
    billingMode: subscriptionData?.obj("billing_mode")?.oneOf("type", ["classic", "flexible"] as const) ?? null,
  });
  // Discounts, tax, shipping and payment_status: one computation, also used when a code is applied later.
  priceSession(emu, session);
  return session;
}

export function getSession(emu: Emulator, id: string): Stripe.Checkout.Session {
  const session = emu.store.checkoutSessions.get(id);
  if (!session) throw resourceMissing("checkout.session", id);
  refreshExpiry(emu, session);
  return session;
}

function lineItemsList(emu: Emulator, sessionId: string): { object: "list"; data: Stripe.LineItem[]; has_more: boolean; url: string } {
  return {
    object: "list",
    data: emu.store.checkoutInternals.get(sessionId)?.lineItems ?? [],
    has_more: false,
    url: `/v1/checkout/sessions/${sessionId}/line_items`,
  };
}

export function registerCheckoutSessions(router: Router): void {
  registerIncludable("checkout.session", "line_items", (emu, owner) => lineItemsList(emu, String(owner.id)));

  router.post("/v1/checkout/sessions", ({ emu, params }) => createSession(emu, params));
  router.get("/v1/checkout/sessions", ({ emu, params }) => {
    const customer = params.str("customer");
    const subscription = params.str("subscription");
    const status = params.str("status");
    const items = newestFirst(emu.store.checkoutSessions.values()).filter(
      (s) =>
        (!customer || s.customer === customer) && (!subscription || s.subscription === subscription) && (!status || s.status === status),
    );
    return paginate(items, params, "/v1/checkout/sessions", "checkout.session");
  });
  router.get("/v1/checkout/sessions/:id", ({ emu, path }) => getSession(emu, path.id));
  router.post("/v1/checkout/sessions/:id", ({ emu, path, params }) => {
    const session = getSession(emu, path.id);
    session.metadata = params.applyMetadata(session.metadata ?? {});
    return session;
  });
  router.post("/v1/checkout/sessions/:id/expire", ({ emu, path }) => {
    const session = getSession(emu, path.id);
    expireSession(emu, session);
    return session;
  });
  router.get("/v1/checkout/sessions/:id/line_items", ({ emu, path, params }) => {
    getSession(emu, path.id);
    const items = emu.store.checkoutInternals.get(path.id)?.lineItems ?? [];
    return paginate(items, params, `/v1/checkout/sessions/${path.id}/line_items`, "line item");
  });
}
