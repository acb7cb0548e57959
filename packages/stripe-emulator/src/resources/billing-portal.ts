import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest, parameterMissing, resourceMissing } from "../http/errors";
import { newestFirst, paginate } from "../http/pagination";
import { getCustomer } from "./lookup";
import { portalUpdateUnavailable } from "../billing/portal-limits";

type Flow = Stripe.BillingPortal.Session.Flow;
const FLOW_FEATURE = {
  payment_method_update: "payment_method_update",
  subscription_cancel: "subscription_cancel",
  subscription_update: "subscription_update",
  subscription_update_confirm: "subscription_update",
} as const;

/** The deep link's subscription: it must exist, belong to the session's customer and not be canceled. */
function flowSubscription(emu: Emulator, p: Params, customer: string): Stripe.Subscription {
  const param = p.name("subscription");
  const id = p.requiredStr("subscription");
  const sub = emu.store.subscriptions.get(id);
  if (!sub) throw resourceMissing("subscription", id, param);
  if (sub.customer !== customer) throw invalidRequest(`The subscription ${id} does not belong to the customer ${customer}.`, param);
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalidRequest(`The subscription ${id} has status ${sub.status} and cannot be managed in the customer portal.`, param);
  }
  return sub;
}

/** A subscription the portal cannot update (several items, usage-based prices) cannot get an update deep link. */
function updatable(sub: Stripe.Subscription, param: string): void {
  const reason = portalUpdateUnavailable(sub);
  if (reason) throw invalidRequest(reason, param);
}

function configuredPrices(config: Stripe.BillingPortal.Configuration): string[] {
  return (config.features.subscription_update.products ?? []).flatMap((p) => p.prices);
}

/**
 * `flow_data`: a deep link into one portal action (Stripe's four flow types), checked the way Stripe does: the
 * feature must be enabled in the configuration, the subscription must be the customer's and, for updates, one
 * the portal can update, with prices from the configuration's products.
 */
function parseFlow(emu: Emulator, p: Params, customer: string, config: Stripe.BillingPortal.Configuration): Flow {
  const type = p.oneOf("type", [
    "payment_method_update",
    "subscription_cancel",
    "subscription_update",
    "subscription_update_confirm",
  ] as const);
  if (!type) throw parameterMissing("flow_data[type]");
  const feature = FLOW_FEATURE[type];
  if (!config.features[feature].enabled) {
    throw invalidRequest(
      `The \`${type}\` flow cannot be used because the \`${feature}\` feature is disabled in the portal configuration ${config.id}.`,
      "flow_data[type]",
    );
  }
  const flow: Flow = {
    after_completion: afterCompletion(p.obj("after_completion")),
    customer_update: null,
    subscription_cancel: null,
    subscription_pause: null,
    subscription_update: null,
    subscription_update_confirm: null,
    type,
  };
  if (type === "subscription_cancel") {
    const cancel = p.obj("subscription_cancel");
    if (!cancel) throw parameterMissing("flow_data[subscription_cancel]");
    flow.subscription_cancel = { retention: null, subscription: flowSubscription(emu, cancel, customer).id };
  }
  if (type === "subscription_update") {
    const update = p.obj("subscription_update");
    if (!update) throw parameterMissing("flow_data[subscription_update]");
    const sub = flowSubscription(emu, update, customer);
    updatable(sub, "flow_data[subscription_update][subscription]");
    const current = sub.items.data[0]?.price.id;
    const quantities = config.features.subscription_update.default_allowed_updates.includes("quantity");
    if (!configuredPrices(config).some((id) => id !== current) && !quantities) {
      throw invalidRequest(
        `The subscription ${sub.id} cannot be updated in the portal: the configuration ${config.id} offers no other price in features.subscription_update.products.`,
        "flow_data[subscription_update][subscription]",
      );
    }
    flow.subscription_update = { subscription: sub.id };
  }
  if (type === "subscription_update_confirm") {
    const confirm = p.obj("subscription_update_confirm");
    if (!confirm) throw parameterMissing("flow_data[subscription_update_confirm]");
    const sub = flowSubscription(emu, confirm, customer);
    updatable(sub, "flow_data[subscription_update_confirm][subscription]");
    const items = confirm.objArray("items");
    if (!items?.length) throw parameterMissing("flow_data[subscription_update_confirm][items]");
    flow.subscription_update_confirm = {
      discounts: null,
      items: items.map((item) => {
        const id = item.requiredStr("id");
        if (!sub.items.data.some((i) => i.id === id)) throw resourceMissing("subscription item", id, item.name("id"));
        const price = item.str("price") ?? null;
        const quantity = item.int("quantity");
        if (price === null && quantity === undefined) {
          throw invalidRequest(`You must specify a price or a quantity for ${item.name("id")}.`, item.name("price"));
        }
        if (price !== null && !configuredPrices(config).includes(price)) {
          throw invalidRequest(
            `The price ${price} must be one of the prices in the portal configuration's features.subscription_update.products.`,
            item.name("price"),
          );
        }
        if (quantity !== undefined) {
          if (!config.features.subscription_update.default_allowed_updates.includes("quantity")) {
            throw invalidRequest(
              `Quantity updates are not allowed by the portal configuration ${config.id} (features.subscription_update.default_allowed_updates).`,
              item.name("quantity"),
            );
          }
          if (quantity < 1)
            throw invalidRequest("This value must be greater than or equal to 1.", item.name("quantity"), "parameter_invalid_integer");
        }
        return { id, price, ...(quantity !== undefined ? { quantity } : {}) };
      }),
      subscription: sub.id,
    };
  }
  return flow;
}

function afterCompletion(p: Params | undefined): Stripe.BillingPortal.Session.Flow.AfterCompletion {
  const type = p?.oneOf("type", ["hosted_confirmation", "portal_homepage", "redirect"] as const) ?? "portal_homepage";
  if (p && !p.has("type")) throw parameterMissing("flow_data[after_completion][type]");
  const result: Stripe.BillingPortal.Session.Flow.AfterCompletion = { hosted_confirmation: null, redirect: null, type };
  if (type === "redirect") {
    const redirect = p?.obj("redirect");
    if (!redirect) throw parameterMissing("flow_data[after_completion][redirect]");
    result.redirect = { return_url: redirect.requiredStr("return_url") };
  }
  if (type === "hosted_confirmation") {
    result.hosted_confirmation = { custom_message: p?.obj("hosted_confirmation")?.str("custom_message") ?? null };
  }
  return result;
}

type Features = Stripe.BillingPortal.Configuration.Features;
const PRORATION = ["always_invoice", "create_prorations", "none"] as const;

function defaultFeatures(): Features {
  return {
    customer_update: { allowed_updates: ["email", "address"], enabled: false },
    invoice_history: { enabled: true },
    payment_method_update: { enabled: true, payment_method_configuration: null },
    subscription_cancel: {
      cancellation_reason: { enabled: false, feedback_options: null, options: [] },
      enabled: true,
      mode: "at_period_end",
      proration_behavior: "none",
    },
    subscription_pause: { duration: { interval_options: [], type: "indefinite" }, enabled: false },
    subscription_update: {
      billing_cycle_anchor: null,
      default_allowed_updates: [],
      enabled: false,
      products: [],
      proration_behavior: "create_prorations",
      schedule_at_period_end: { conditions: [] },
      trial_update_behavior: "end_trial",
    },
  };
}

/** Merge `features[...]` params into a features object (create starts from defaults, update from the current value). */
function applyFeatures(features: Features, p: Params | undefined): Features {
  if (!p) return features;
  const next = clone(features);
  const customerUpdate = p.obj("customer_update");
  if (customerUpdate) {
    next.customer_update.enabled = customerUpdate.bool("enabled") ?? next.customer_update.enabled;
    next.customer_update.allowed_updates = customerUpdate.isEmpty("allowed_updates")
      ? []
      : (customerUpdate.strArray("allowed_updates") ?? next.customer_update.allowed_updates);
  }
  const history = p.obj("invoice_history");
  if (history) next.invoice_history.enabled = history.bool("enabled") ?? next.invoice_history.enabled;
  const pmUpdate = p.obj("payment_method_update");
  if (pmUpdate) next.payment_method_update.enabled = pmUpdate.bool("enabled") ?? next.payment_method_update.enabled;
  const cancel = p.obj("subscription_cancel");
  if (cancel) {
    next.subscription_cancel.enabled = cancel.bool("enabled") ?? next.subscription_cancel.enabled;
    next.subscription_cancel.mode = cancel.oneOf("mode", ["at_period_end", "immediately"] as const) ?? next.subscription_cancel.mode;
    next.subscription_cancel.proration_behavior =
      cancel.oneOf("proration_behavior", PRORATION) ?? next.subscription_cancel.proration_behavior;
    const reason = cancel.obj("cancellation_reason");
    if (reason) {
      next.subscription_cancel.cancellation_reason.enabled = reason.bool("enabled") ?? false;
      next.subscription_cancel.cancellation_reason.options = reason.strArray("options") ?? [];
    }
  }
  const update = p.obj("subscription_update");
  if (update) {
    const su = next.subscription_update;
    su.enabled = update.bool("enabled") ?? su.enabled;
    su.default_allowed_updates = update.isEmpty("default_allowed_updates")
      ? []
      : (update.strArray("default_allowed_updates") ?? su.default_allowed_updates);
    su.proration_behavior = update.oneOf("proration_behavior", PRORATION) ?? su.proration_behavior;
    if (update.isEmpty("products")) su.products = [];
    const products = update.objArray("products");
    if (products) {
      su.products = products.map((prod, index) => ({
        adjustable_quantity: adjustableQuantity(
          prod.obj("adjustable_quantity"),
          `features[subscription_update][products][${index}][adjustable_quantity][maximum]`,
        ),
        prices: prod.strArray("prices") ?? [],
        product: prod.requiredStr("product"),
      }));
    }
    su.trial_update_behavior = update.oneOf("trial_update_behavior", ["continue_trial", "end_trial"] as const) ?? su.trial_update_behavior;
    const atPeriodEnd = update.obj("schedule_at_period_end");
    if (atPeriodEnd) {
      su.schedule_at_period_end = {
        conditions: (atPeriodEnd.objArray("conditions") ?? []).map((c) => ({
          type: c.oneOf("type", ["decreasing_item_amount", "shortening_interval"] as const) ?? "decreasing_item_amount",
        })),
      };
    }
  }
  return next;
}

/** `products[n][adjustable_quantity]`: whether the portal may change that product's quantity, and within which bounds. */
function adjustableQuantity(
  p: Params | undefined,
  maximumParam: string,
): Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product.AdjustableQuantity {
  if (!p) return { enabled: false, maximum: null, minimum: 1 };
  const minimum = p.int("minimum") ?? 1;
  const maximum = p.int("maximum") ?? null;
  if (maximum !== null && maximum < minimum) {
    throw invalidRequest("The maximum quantity must be greater than or equal to the minimum quantity.", maximumParam);
  }
  return { enabled: p.bool("enabled") ?? false, maximum, minimum };
}

function businessProfile(current: Stripe.BillingPortal.Configuration.BusinessProfile, p: Params | undefined) {
  if (!p) return current;
  return {
    headline: p.nullableStr("headline") ?? (p.has("headline") ? null : current.headline),
    privacy_policy_url: p.str("privacy_policy_url") ?? current.privacy_policy_url,
    terms_of_service_url: p.str("terms_of_service_url") ?? current.terms_of_service_url,
  };
}

export function createConfiguration(emu: Emulator, params: Params | null, isDefault = false): Stripe.BillingPortal.Configuration {
  const now = emu.realNow();
  const config: Stripe.BillingPortal.Configuration = {
    id: newId("bpc"),
    object: "billing_portal.configuration",
    active: true,
    application: null,
    business_profile: businessProfile(
      { headline: null, privacy_policy_url: null, terms_of_service_url: null },
      params?.obj("business_profile"),
    ),
    created: now,
    default_return_url: params?.str("default_return_url") ?? null,
    features: applyFeatures(defaultFeatures(), params?.obj("features")),
    is_default: isDefault,
    livemode: false,
    login_page: { enabled: params?.obj("login_page")?.bool("enabled") ?? false, url: null },
    metadata: params ? params.applyMetadata({}) : {},
    name: params?.str("name") ?? null,
    updated: now,
  };
  emu.store.portalConfigurations.set(config.id, config);
  emitEvent(emu, "billing_portal.configuration.created", config);
  return config;
}

function getConfiguration(emu: Emulator, id: string, param = "id"): Stripe.BillingPortal.Configuration {
  const config = emu.store.portalConfigurations.get(id);
  if (!config) throw resourceMissing("configuration", id, param);
  return config;
}

/**
 * The account's default configuration (`is_default: true`, what a session without `configuration` uses and what the
 * Dashboard's portal settings edit). Stripe's account has one; the emulator creates it, with the default features,
 * the first time something refers to it: a session without `configuration` or a list filtered by `is_default=true`.
 */
function defaultConfiguration(emu: Emulator): Stripe.BillingPortal.Configuration {
  const existing = [...emu.store.portalConfigurations.values()].find((c) => c.is_default);
  return existing ?? createConfiguration(emu, null, true);
}

export function registerBillingPortal(router: Router): void {
  router.post("/v1/billing_portal/configurations", ({ emu, params }) => {
    if (!params.has("features")) throw parameterMissing("features");
    return createConfiguration(emu, params);
  });
  router.get("/v1/billing_portal/configurations", ({ emu, params }) => {
    const active = params.bool("active");
    const isDefault = params.bool("is_default");
    if (isDefault === true) defaultConfiguration(emu);
    const items = newestFirst(emu.store.portalConfigurations.values()).filter(
      (c) => (active === undefined || c.active === active) && (isDefault === undefined || c.is_default === isDefault),
    );
    return paginate(items, params, "/v1/billing_portal/configurations", "configuration");
  });
  router.get("/v1/billing_portal/configurations/:id", ({ emu, path }) => getConfiguration(emu, path.id));
  router.post("/v1/billing_portal/configurations/:id", ({ emu, path, params }) => {
    const config = getConfiguration(emu, path.id);
    const before = clone(config);
    config.active = params.bool("active") ?? config.active;
    config.business_profile = businessProfile(config.business_profile, params.obj("business_profile"));
    const returnUrl = params.nullableStr("default_return_url");
    if (returnUrl !== undefined) config.default_return_url = returnUrl;
    config.features = applyFeatures(config.features, params.obj("features"));
    const name = params.nullableStr("name");
    if (name !== undefined) config.name = name;
    config.metadata = params.applyMetadata(config.metadata ?? {});
    config.updated = emu.realNow();
    emitEvent(emu, "billing_portal.configuration.updated", config, before);
    return config;
  });

  router.post("/v1/billing_portal/sessions", ({ emu, params }) => {
    const customer = getCustomer(emu, params.requiredStr("customer"), "customer");
    const configId = params.str("configuration");
    const config = configId ? getConfiguration(emu, configId, "configuration") : defaultConfiguration(emu);
    const flowData = params.obj("flow_data");
    const flow = flowData ? parseFlow(emu, flowData, customer.id, config) : null;
    const id = newId("bps");
    const session: Stripe.BillingPortal.Session = {
      id,
      object: "billing_portal.session",
      configuration: config.id,
      created: emu.realNow(),
      customer: customer.id,
      customer_account: null,
      flow,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: params.str("return_url") ?? config.default_return_url,
      url: emu.resourceUrl(`/portal/${id}`),
    };
    emu.store.portalSessions.set(id, session);
    emitEvent(emu, "billing_portal.session.created", session);
    return session;
  });
}
