import type Stripe from "stripe";
import type { Router } from "../http/router";
import { discountIds, discountsFrom, newRedemptions, replaceSubscriptionDiscounts } from "../billing/discounts";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { emitEvent } from "../events";
import { clone } from "../json";
import { cardError, invalidRequest, parameterMissing } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { getCustomer, getPrice, getProduct, getSubscription } from "./lookup";
import { createPrice } from "./prices";
import { attachPaymentMethod, checkAttachable } from "../billing/payment-methods";
import {
  cancelSubscription,
  createSubscription,
  hasPaymentMethod,
  period,
  resumeSubscription,
  type ItemSpec,
} from "../billing/subscriptions";
import {
  PENDING_ITEM_UPDATE_PARAMS,
  UPDATE_PAYMENT_BEHAVIORS,
  assertPendingUpdateParams,
  createPendingUpdate,
  predictUpdateCharge,
  refuseIfUnpaid,
  type UpdatePaymentBehavior,
} from "../billing/payment-behavior";
import { applyPlannedChange, planItemChanges, type ItemUpdate, type PlannedChange, type ProrationBehavior } from "../billing/changes";
import { predictCharge } from "../billing/invoices";
import { scheduleIdOf } from "../billing/schedules";
import { DAY } from "../config";
import { customerLocationInvalid, customerTaxLocation, requireTaxBehavior } from "../billing/tax";
import { taxRatesFrom } from "./tax";

/** `automatic_tax` / `default_tax_rates` of a create or update, checked before anything changes. */
function taxSettingsFrom(emu: Emulator, params: Params, customer: Stripe.Customer, prices: Array<Stripe.Price | null>) {
  const automaticTax = params.obj("automatic_tax")?.bool("enabled");
  if (automaticTax) {
    requireTaxBehavior(prices);
    if (!customerTaxLocation(customer)) customerLocationInvalid();
  }
  const defaultTaxRates = params.isEmpty("default_tax_rates")
    ? []
    : taxRatesFrom(emu, params.strArray("default_tax_rates"), "default_tax_rates");
  return { automaticTax, defaultTaxRates };
}

/** `tax_rates` of one item parameter set: undefined when absent, [] for `tax_rates=''` (clears them). */
function itemTaxRates(emu: Emulator, item: Params, param: string): Stripe.TaxRate[] | undefined {
  if (!item.has("tax_rates")) return undefined;
  return item.isEmpty("tax_rates") ? [] : taxRatesFrom(emu, item.strArray("tax_rates"), param);
}

/** `items[n][tax_rates]` of an update: only for existing items (`id`); new items with tax rates are not implemented. */
function updatedItemTaxRates(emu: Emulator, params: Params): Array<{ id: string; rates: Stripe.TaxRate[] }> {
  return (params.objArray("items") ?? []).flatMap((item, index) => {
    const rates = itemTaxRates(emu, item, `items[${index}][tax_rates]`);
    if (rates === undefined) return [];
    const id = item.str("id");
    if (!id) {
      throw invalidRequest(
        `items[${index}][tax_rates] on a new item is not supported by the emulator (it implements tax_rates on existing items, with items[${index}][id]); Stripe accepts it, but the emulator refuses the request instead of behaving differently.`,
        `items[${index}][tax_rates]`,
        "emulator_unsupported_parameter",
      );
    }
    return [{ id, rates }];
  });
}

function setItemTaxRates(sub: Stripe.Subscription, changes: Array<{ id: string; rates: Stripe.TaxRate[] }>): void {
  for (const { id, rates } of changes) {
    const item = sub.items.data.find((i) => i.id === id);
    if (item) item.tax_rates = rates;
  }
}

/** Stripe's answer to a subscription that must charge now with nothing to charge. */
function noPaymentMethod() {
  return invalidRequest(
    "This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.",
    undefined,
    "resource_missing",
  );
}

/** Stripe's answer to a quantity on a metered price (usage decides what is billed). */
function meteredQuantity(param: string) {
  const where = /^(items\[\d+\])\[quantity\]$/.exec(param)?.[1];
  return invalidRequest(
    `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from ${where ? `\`${where}\`` : "the request"}.`,
    param,
  );
}

const PRORATION_BEHAVIORS = ["create_prorations", "always_invoice", "none"] as const;
const CANCELLATION_FEEDBACK = [
  "customer_service",
  "low_quality",
  "missing_features",
  "other",
  "switched_service",
  "too_complex",
  "too_expensive",
  "unused",
] as const;

function recurringPrice(emu: Emulator, priceId: string, param: string): Stripe.Price {
  const price = getPrice(emu, priceId, param);
  if (price.type !== "recurring") {
    throw invalidRequest(
      `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
      param,
    );
  }
  return price;
}

function priceFor(emu: Emulator, item: Params, index: number, prefix: string): Stripe.Price | undefined {
  const priceId = item.str("price") ?? item.str("plan");
  if (priceId) return recurringPrice(emu, priceId, `${prefix}[${index}][price]`);
  const priceData = item.obj("price_data");
  return priceData ? createPrice(emu, priceData) : undefined;
}

export function itemUpdatesFrom(emu: Emulator, params: Params, key = "items"): ItemUpdate[] {
  return (params.objArray(key) ?? []).map((item, index) => ({
    id: item.str("id"),
    price: priceFor(emu, item, index, key),
    quantity: item.int("quantity"),
    deleted: item.bool("deleted"),
    metadata: item.has("metadata") ? item.applyMetadata({}) : undefined,
  }));
}

/** `items[n]`: an existing recurring price, or `price_data` (created only once the whole request has been checked). */
function plannedItem(
  emu: Emulator,
  item: Params,
  index: number,
): { price: Stripe.Price | null; priceData: Params | null; unitAmount: number } {
  const priceId = item.str("price") ?? item.str("plan");
  if (priceId) {
    const price = recurringPrice(emu, priceId, `items[${index}][price]`);
    return { price, priceData: null, unitAmount: price.unit_amount ?? 0 };
  }
  const priceData = item.obj("price_data");
  if (!priceData) throw parameterMissing(`items[${index}][price]`);
  getProduct(emu, priceData.requiredStr("product"), `items[${index}][price_data][product]`);
  return { price: null, priceData, unitAmount: priceData.int("unit_amount") ?? 0 };
}

/** Checks everything Stripe would refuse first, then creates: a refused request leaves no price, attachment or event. */
function createFromApi(emu: Emulator, params: Params): Stripe.Subscription {
  const customer = getCustomer(emu, params.requiredStr("customer"), "customer");
  const itemParams = params.objArray("items");
  if (!itemParams || itemParams.length === 0) throw parameterMissing("items");
  const planned = itemParams.map((item, index) => plannedItem(emu, item, index));
  planned.forEach((p, index) => {
    if (p.price?.recurring?.usage_type === "metered" && itemParams[index].has("quantity"))
      throw meteredQuantity(`items[${index}][quantity]`);
  });
  const now = emu.nowFor(customer.id);
  const trialEndRaw = params.str("trial_end");
  const trialDays =
    params.int("trial_period_days") ?? (params.bool("trial_from_plan") ? planned[0].price?.recurring?.trial_period_days : null) ?? null;
  const trialEnd =
    trialEndRaw === "now" ? null : trialEndRaw !== undefined ? params.requiredInt("trial_end") : trialDays ? now + trialDays * DAY : null;
  const pmRef = params.str("default_payment_method") ?? null;
  if (pmRef) checkAttachable(emu, pmRef, customer.id, "default_payment_method");
  const behaviour =
    params.oneOf("payment_behavior", ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"] as const) ??
    "allow_incomplete";
  const needsPayment = trialEnd === null && planned.some((i) => i.unitAmount > 0);
  const paymentMethod =
    pmRef ??
    (typeof customer.invoice_settings.default_payment_method === "string" ? customer.invoice_settings.default_payment_method : null);
  if (needsPayment && !paymentMethod && behaviour !== "default_incomplete") throw noPaymentMethod();
  if (needsPayment && behaviour === "error_if_incomplete") {
    const prediction = predictCharge(emu, paymentMethod, params.bool("off_session") === false);
    if (prediction.status !== "succeeded") throw cardError(prediction.error);
  }

  const firstCurrency = planned[0].price?.currency ?? planned[0].priceData?.str("currency") ?? "usd";
  const amount = planned.reduce((sum, p, index) => sum + p.unitAmount * (itemParams[index].int("quantity") ?? 1), 0);
  const discounts = newRedemptions(discountsFrom(emu, params, { customer, amount, currency: firstCurrency, at: now }));

  const tax = taxSettingsFrom(
    emu,
    params,
    customer,
    planned.map((p) => p.price),
  );
  if (tax.automaticTax) {
    planned.forEach((p, index) => {
      if (p.priceData && (p.priceData.str("tax_behavior") ?? "unspecified") === "unspecified") {
        throw invalidRequest(
          "A `tax_behavior` is required in `price_data` when automatic tax is enabled.",
          `items[${index}][price_data][tax_behavior]`,
        );
      }
    });
  }
  const itemTaxRates = itemParams.map((item, index) => taxRatesFrom(emu, item.strArray("tax_rates"), `items[${index}][tax_rates]`));
  const items: ItemSpec[] = planned.map((p, index) => ({
    price: p.price ?? createPrice(emu, p.priceData ?? itemParams[index]),
    quantity: itemParams[index].int("quantity") ?? 1,
    metadata: itemParams[index].applyMetadata({}),
    taxRates: itemTaxRates[index],
  }));
  const pm = pmRef ? attachPaymentMethod(emu, pmRef, customer.id, "default_payment_method").id : null;
  const { subscription } = createSubscription(emu, {
    customer,
    items,
    trialEnd,
    metadata: params.applyMetadata({}),
    description: params.str("description") ?? null,
    defaultPaymentMethod: pm,
    authenticated: false,
    billingMode: params.obj("billing_mode")?.oneOf("type", ["classic", "flexible"] as const),
    deferPayment: behaviour === "default_incomplete",
    saveDefaultPaymentMethod: params.obj("payment_settings")?.oneOf("save_default_payment_method", ["off", "on_subscription"] as const),
    missingPaymentMethod: params
      .obj("trial_settings")
      ?.obj("end_behavior")
      ?.oneOf("missing_payment_method", ["create_invoice", "pause", "cancel"] as const),
    discounts,
    automaticTax: tax.automaticTax,
    defaultTaxRates: tax.defaultTaxRates,
  });
  const cancelAtPeriodEnd = params.bool("cancel_at_period_end");
  if (cancelAtPeriodEnd) {
    const before = clone(subscription);
    setCancelAtPeriodEnd(emu, subscription, true);
    emitEvent(emu, "customer.subscription.updated", subscription, before);
  }
  return subscription;
}

function setCancelAtPeriodEnd(emu: Emulator, sub: Stripe.Subscription, value: boolean): void {
  const now = emu.nowFor(String(sub.customer));
  sub.cancel_at_period_end = value;
  sub.cancel_at = value ? period(sub).end : null;
  sub.canceled_at = value ? now : null;
  sub.cancellation_details = {
    comment: value ? (sub.cancellation_details?.comment ?? null) : null,
    feedback: value ? (sub.cancellation_details?.feedback ?? null) : null,
    feedback_option: null,
    reason: value ? "cancellation_requested" : null,
  };
}

function assertNotCanceled(sub: Stripe.Subscription): void {
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalidRequest(`A canceled subscription can only update its cancellation_details and metadata.`, undefined, "resource_missing");
  }
}

/** What an update's item change will do and how it is paid for, worked out before anything changes. */
interface PreparedChange {
  plan: PlannedChange | null;
  behavior: ProrationBehavior;
  prorationDate: number;
  endsTrial: boolean;
  collect: boolean;
  /** pending_if_incomplete with a payment that fails: the change was recorded as the subscription's pending_update. */
  pending: boolean;
}

/**
 * The part of an update that decides the item change and whether it is paid for (`proration_behavior`,
 * `proration_date`, `payment_behavior`), shared by `POST /v1/subscriptions/{id}` and `POST /v1/subscription_items/{id}`.
 * error_if_incomplete throws here, pending_if_incomplete records the pending update here; otherwise nothing has changed yet.
 */
function prepareChange(
  emu: Emulator,
  sub: Stripe.Subscription,
  params: Params,
  change: {
    updates: () => ItemUpdate[];
    endsTrial: boolean;
    pendingMetadata: Record<string, string> | null;
    paramPrefix?: string;
    quantityParam?: (index: number) => string;
    pendingParams?: ReadonlySet<string>;
  },
): PreparedChange {
  const now = emu.nowFor(String(sub.customer));
  const behavior: ProrationBehavior = params.oneOf("proration_behavior", PRORATION_BEHAVIORS) ?? "create_prorations";
  const prorationDate = params.int("proration_date") ?? now;
  const { start, end } = period(sub);
  if (params.has("proration_date") && (prorationDate < start || prorationDate > end)) {
    throw invalidRequest("The proration_date must be within the current billing period.", "proration_date");
  }
  const paymentBehavior: UpdatePaymentBehavior = params.oneOf("payment_behavior", UPDATE_PAYMENT_BEHAVIORS) ?? "allow_incomplete";
  if (paymentBehavior === "pending_if_incomplete") assertPendingUpdateParams(params, change.pendingParams);
  const updates = change.updates();
  updates.forEach((update, index) => {
    const price = update.price ?? sub.items.data.find((i) => i.id === update.id)?.price;
    if (update.quantity !== undefined && price?.recurring?.usage_type === "metered") {
      throw meteredQuantity(change.quantityParam?.(index) ?? `items[${index}][quantity]`);
    }
  });
  const plan = updates.length ? planItemChanges(sub, updates, change.paramPrefix) : null;
  const endsTrial = change.endsTrial && sub.status === "trialing";
  const charge = predictUpdateCharge(emu, sub, plan, behavior, prorationDate, endsTrial);
  if (paymentBehavior === "error_if_incomplete") refuseIfUnpaid(charge);
  if (paymentBehavior === "pending_if_incomplete" && charge.outcome.status !== "succeeded") {
    createPendingUpdate(emu, sub, plan, charge, prorationDate, endsTrial, change.pendingMetadata);
    return { plan, behavior, prorationDate, endsTrial, collect: false, pending: true };
  }
  return { plan, behavior, prorationDate, endsTrial, collect: paymentBehavior !== "default_incomplete", pending: false };
}

function updateFromApi(emu: Emulator, sub: Stripe.Subscription, params: Params): Stripe.Subscription {
  const onlyMetadata = Object.keys(params.raw).every((k) => ["metadata", "expand", "cancellation_details"].includes(k));
  if (!onlyMetadata) assertNotCanceled(sub);
  const before = clone(sub);
  const now = emu.nowFor(String(sub.customer));
  const { end } = period(sub);
  // Everything that decides whether the update is paid for is worked out before anything changes.
  const customer = getCustomer(emu, String(sub.customer), "customer");
  const tax = taxSettingsFrom(
    emu,
    params,
    customer,
    sub.items.data.map((i) => i.price),
  );
  const itemRates = updatedItemTaxRates(emu, params);
  const trialEndRaw = params.str("trial_end");
  const subAmount = sub.items.data.reduce((sum, i) => sum + (i.price.unit_amount ?? 0) * (i.quantity ?? 1), 0);
  const discountChange = discountsFrom(
    emu,
    params,
    { customer: getCustomer(emu, String(sub.customer)), amount: subAmount, currency: sub.currency, at: now },
    "discounts",
    discountIds(sub),
  );
  const prepared = prepareChange(emu, sub, params, {
    updates: () => itemUpdatesFrom(emu, params),
    endsTrial: trialEndRaw === "now",
    pendingMetadata: params.has("metadata") ? params.applyMetadata({}) : null,
  });
  if (prepared.pending) return sub;
  const { plan, behavior, prorationDate, endsTrial, collect } = prepared;
  if (tax.automaticTax !== undefined) {
    sub.automatic_tax = tax.automaticTax
      ? { disabled_reason: null, enabled: true, liability: { type: "self" } }
      : { disabled_reason: null, enabled: false, liability: null };
  }
  if (tax.defaultTaxRates !== undefined) sub.default_tax_rates = tax.defaultTaxRates;
  setItemTaxRates(sub, itemRates);

  const cancelAtPeriodEnd = params.bool("cancel_at_period_end");
  if (cancelAtPeriodEnd !== undefined) {
    const schedule = scheduleIdOf(sub);
    if (schedule) {
      throw invalidRequest(
        `The subscription is managed by the subscription schedule \`${schedule}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
        "cancel_at_period_end",
      );
    }
    setCancelAtPeriodEnd(emu, sub, cancelAtPeriodEnd);
  }
  if (params.has("cancel_at")) {
    const cancelAt = params.isEmpty("cancel_at") ? null : params.requiredInt("cancel_at");
    sub.cancel_at = cancelAt;
    sub.cancel_at_period_end = cancelAt !== null && cancelAt === end;
    sub.canceled_at = cancelAt !== null ? now : null;
  }
  const details = params.obj("cancellation_details");
  if (details) {
    const current = sub.cancellation_details ?? { comment: null, feedback: null, feedback_option: null, reason: null };
    const comment = details.nullableStr("comment");
    const feedback = details.isEmpty("feedback") ? null : details.oneOf("feedback", CANCELLATION_FEEDBACK);
    sub.cancellation_details = {
      ...current,
      comment: comment === undefined ? current.comment : comment,
      feedback: feedback === undefined ? current.feedback : feedback,
    };
  }
  const pmRef = params.nullableStr("default_payment_method");
  if (pmRef !== undefined)
    sub.default_payment_method = pmRef === null ? null : attachPaymentMethod(emu, pmRef, String(sub.customer), "default_payment_method").id;
  const description = params.nullableStr("description");
  if (description !== undefined) sub.description = description;
  sub.metadata = params.applyMetadata(sub.metadata);
  if (discountChange) replaceSubscriptionDiscounts(emu, sub, discountChange, now);

  if (trialEndRaw !== undefined) {
    if (trialEndRaw !== "now") {
      const trialEnd = params.requiredInt("trial_end");
      if (trialEnd <= now) throw invalidRequest("Invalid timestamp: must be an integer Unix timestamp in the future.", "trial_end");
      sub.trial_end = trialEnd;
      sub.status = "trialing";
      for (const item of sub.items.data) item.current_period_end = trialEnd;
      sub.billing_cycle_anchor = trialEnd;
    }
  }

  applyPlannedChange(emu, sub, { plan, behavior, at: prorationDate, endsTrial, collect, before });
  return sub;
}

function findSubscriptionItem(emu: Emulator, id: string): { sub: Stripe.Subscription; item: Stripe.SubscriptionItem } {
  for (const sub of emu.store.subscriptions.values()) {
    const item = sub.items.data.find((i) => i.id === id);
    if (item) return { sub, item };
  }
  throw invalidRequest(`No such subscription item: '${id}'`, "id", "resource_missing", 404);
}

/**
 * `POST /v1/subscription_items/{id}`: the same change as `items[0][id]=…` on the subscription (price, quantity,
 * metadata merged into the item's), prorated and paid for the same way; answers the item.
 */
function updateItemFromApi(emu: Emulator, id: string, params: Params): Stripe.SubscriptionItem {
  const { sub, item } = findSubscriptionItem(emu, id);
  assertNotCanceled(sub);
  const rates = itemTaxRates(emu, params, "tax_rates");
  const before = clone(sub);
  const prepared = prepareChange(emu, sub, params, {
    updates: () => {
      const priceId = params.str("price") ?? params.str("plan");
      const priceData = params.obj("price_data");
      const price = priceId
        ? recurringPrice(emu, priceId, params.has("price") ? "price" : "plan")
        : priceData
          ? createPrice(emu, priceData)
          : undefined;
      const metadata = params.has("metadata") ? params.applyMetadata(item.metadata) : undefined;
      return [{ id: item.id, price, quantity: params.int("quantity"), metadata }];
    },
    endsTrial: false,
    pendingMetadata: null,
    paramPrefix: "price",
    quantityParam: () => "quantity",
    pendingParams: PENDING_ITEM_UPDATE_PARAMS,
  });
  if (!prepared.pending) {
    if (rates !== undefined) setItemTaxRates(sub, [{ id: item.id, rates }]);
    applyPlannedChange(emu, sub, {
      plan: prepared.plan,
      behavior: prepared.behavior,
      at: prepared.prorationDate,
      endsTrial: false,
      collect: prepared.collect,
      before,
    });
  }
  return sub.items.data.find((i) => i.id === id) ?? item;
}

/**
 * `POST /v1/subscription_items`: adds an item to a subscription, the same change as `items[n][price]=…` on the
 * subscription (prorated per `proration_behavior`, paid for per `payment_behavior`); answers the new item.
 */
function createItemFromApi(emu: Emulator, params: Params): Stripe.SubscriptionItem {
  const sub = getSubscription(emu, params.requiredStr("subscription"), "subscription");
  assertNotCanceled(sub);
  const before = clone(sub);
  const existing = new Set(sub.items.data.map((i) => i.id));
  const prepared = prepareChange(emu, sub, params, {
    updates: () => {
      const priceId = params.str("price") ?? params.str("plan");
      const priceData = params.obj("price_data");
      if (!priceId && !priceData) throw parameterMissing("price");
      const price = priceId ? recurringPrice(emu, priceId, params.has("price") ? "price" : "plan") : undefined;
      if (price && sub.items.data.some((i) => i.price.id === price.id)) {
        throw invalidRequest(`Cannot add multiple subscription items with the same price: ${price.id}`, "price");
      }
      if (price?.recurring?.usage_type === "metered" && params.has("quantity")) throw meteredQuantity("quantity");
      return [
        {
          price: price ?? (priceData ? createPrice(emu, priceData) : undefined),
          quantity: params.int("quantity"),
          metadata: params.applyMetadata({}),
        },
      ];
    },
    endsTrial: false,
    pendingMetadata: null,
    paramPrefix: "price",
    quantityParam: () => "quantity",
    pendingParams: new Set([...PENDING_ITEM_UPDATE_PARAMS, "subscription"]),
  });
  if (!prepared.pending) {
    applyPlannedChange(emu, sub, {
      plan: prepared.plan,
      behavior: prepared.behavior,
      at: prepared.prorationDate,
      endsTrial: false,
      collect: prepared.collect,
      before,
    });
  }
  const added = sub.items.data.find((i) => !existing.has(i.id));
  if (!added) throw invalidRequest("The subscription item could not be added while the subscription has a pending update.", "subscription");
  return added;
}

/**
 * `DELETE /v1/subscription_items/{id}`: removes the item, prorated per `proration_behavior` (the unused time is
 * credited). A subscription keeps at least one item. `clear_usage` is accepted for metered items only; the emulator
 * never bills a deleted metered item's usage (see README).
 */
function deleteItemFromApi(emu: Emulator, id: string, params: Params): Stripe.DeletedSubscriptionItem {
  const { sub, item } = findSubscriptionItem(emu, id);
  assertNotCanceled(sub);
  const clearUsage = params.bool("clear_usage");
  if (clearUsage && item.price.recurring?.usage_type !== "metered") {
    throw invalidRequest("clear_usage can only be used for a subscription item with a metered price.", "clear_usage");
  }
  if (sub.items.data.length === 1) {
    throw invalidRequest(
      "A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.",
      undefined,
    );
  }
  const before = clone(sub);
  const prepared = prepareChange(emu, sub, params, {
    updates: () => [{ id: item.id, deleted: true }],
    endsTrial: false,
    pendingMetadata: null,
    paramPrefix: "id",
    pendingParams: PENDING_ITEM_UPDATE_PARAMS,
  });
  if (!prepared.pending) {
    applyPlannedChange(emu, sub, {
      plan: prepared.plan,
      behavior: prepared.behavior,
      at: prepared.prorationDate,
      endsTrial: false,
      collect: prepared.collect,
      before,
    });
  }
  return { id: item.id, object: "subscription_item", deleted: true };
}

export function registerSubscriptions(router: Router): void {
  router.post("/v1/subscriptions", ({ emu, params }) => createFromApi(emu, params));
  router.get("/v1/subscriptions", ({ emu, params }) => {
    const customer = params.str("customer");
    const price = params.str("price");
    const status = params.str("status") ?? "all_but_canceled";
    const clock = params.str("test_clock");
    const items = newestFirst(emu.store.subscriptions.values()).filter(
      (s) =>
        (!customer || s.customer === customer) &&
        (!price || s.items.data.some((i) => i.price.id === price)) &&
        (!clock || s.test_clock === clock) &&
        (status === "all" ||
          (status === "all_but_canceled" ? s.status !== "canceled" && s.status !== "incomplete_expired" : s.status === status)) &&
        matchesRange(s.created, params, "created"),
    );
    return paginate(items, params, "/v1/subscriptions", "subscription");
  });
  router.get("/v1/subscriptions/:id", ({ emu, path }) => getSubscription(emu, path.id));
  router.post("/v1/subscriptions/:id", ({ emu, path, params }) => updateFromApi(emu, getSubscription(emu, path.id), params));
  router.delete("/v1/subscriptions/:id", ({ emu, path, params }) => {
    const sub = getSubscription(emu, path.id);
    if (sub.status === "canceled") {
      throw invalidRequest(`No such subscription: '${sub.id}'`, "id", "resource_missing", 404);
    }
    const details = params.obj("cancellation_details");
    return cancelSubscription(emu, sub, {
      reason: "cancellation_requested",
      comment: details?.str("comment") ?? null,
      feedback: details?.oneOf("feedback", CANCELLATION_FEEDBACK) ?? null,
    });
  });
  router.post("/v1/subscriptions/:id/resume", ({ emu, path }) => {
    const sub = getSubscription(emu, path.id);
    if (sub.status !== "paused") throw invalidRequest("Only paused subscriptions can be resumed.", undefined, "subscription_not_paused");
    if (!hasPaymentMethod(emu, sub)) throw noPaymentMethod();
    resumeSubscription(emu, sub);
    return sub;
  });

  router.get("/v1/subscription_items", ({ emu, params }) => {
    const sub = getSubscription(emu, params.requiredStr("subscription"), "subscription");
    return paginate([...sub.items.data], params, `/v1/subscription_items?subscription=${sub.id}`, "subscription item");
  });
  router.get("/v1/subscription_items/:id", ({ emu, path }) => findSubscriptionItem(emu, path.id).item);
  router.post("/v1/subscription_items/:id", ({ emu, path, params }) => updateItemFromApi(emu, path.id, params));
  router.post("/v1/subscription_items", ({ emu, params }) => createItemFromApi(emu, params));
  router.delete("/v1/subscription_items/:id", ({ emu, path, params }) => deleteItemFromApi(emu, path.id, params));
}
