/**
 * Every Stripe API call the billing domain makes. Nothing outside lib/stripe/ touches the SDK, so
 * swapping providers, adding retries or tracing happens here.
 */
import "server-only";
import type Stripe from "stripe";
import { IMMEDIATE_PAYMENT_BEHAVIOR, IMMEDIATE_PRORATION } from "@/lib/billing/plan-change-policy";
import type { BillingInterval } from "@/lib/billing/plans";
import { stripeTaxEnabled } from "@/lib/billing/tax-settings";
import { MANAGED_BY } from "./managed";
import { getStripe } from "./client";
import { stripeErrorType } from "./errors";
import { idOf } from "./mapping";
import { meteredItemsOf, phaseItems, planItemOf } from "./subscription-items";
import { ENDED, inGroup, SUBSCRIPTION_STATUS } from "@/lib/billing/subscription-status";

export interface PendingPriceChange {
  priceId: string;
  lookupKey: string | null;
  startsAt: Date;
}

export interface SubscriptionState {
  subscription: Stripe.Subscription;
  /** The price the subscription's schedule switches to next (a downgrade at period end). */
  pendingChange: PendingPriceChange | null;
  /**
   * The plan item's quantity the schedule sets next, when it differs from today's (seats lowered
   * from the period end on a per-seat plan); null when nothing changes the quantity.
   */
  pendingQuantity: number | null;
  /** The attached schedule's seats (its next phase's lookup key filled in). */
  schedule: ScheduleSeats | null;
}

/** The phase an active schedule moves the subscription to next (at the current phase's end). */
export interface NextPhase {
  /** The plan price (the first item of every phase this app writes, subscription-items.ts phaseItems). */
  priceId: string;
  lookupKey: string | null;
  quantity: number;
  /** The phase's other (metered) prices. */
  meteredPriceIds: string[];
  startsAt: Date;
}

/** What a schedule attached to a subscription says about the seats: its current phase's plan quantity and the next phase. */
export interface ScheduleSeats {
  scheduleId: string;
  /** Bumped by every seat write to the schedule (its `seats_version` metadata): part of the seat writes' idempotency keys. */
  version: number;
  currentQuantity: number | null;
  next: NextPhase | null;
}

// Subscription items embed their price already; Stripe refuses to "expand" a field that is not an id.
const SUBSCRIPTION_EXPAND = ["schedule"];

const lookupKeyOf = (price: string | Stripe.Price | Stripe.DeletedPrice | null | undefined): string | null =>
  price && typeof price !== "string" && "lookup_key" in price ? price.lookup_key : null;

/** The schedule's current phase quantity and next phase, for a subscription read with its schedule expanded. */
export function scheduleSeatsOf(subscription: Stripe.Subscription): ScheduleSeats | null {
  const schedule = subscription.schedule;
  if (!schedule || typeof schedule === "string" || schedule.status !== "active") return null;
  const currentEnd = schedule.current_phase?.end_date ?? 0;
  const currentStart = schedule.current_phase?.start_date ?? 0;
  const current = schedule.phases.find((phase) => phase.start_date === currentStart && phase.end_date === currentEnd);
  const next = schedule.phases.find((phase) => phase.start_date >= currentEnd && phase.start_date > 0);
  // The plan price comes first in every phase this app writes (subscription-items.ts phaseItems).
  const nextPrice = next?.items[0]?.price;
  const version = Number(schedule.metadata?.seats_version ?? 0);
  return {
    scheduleId: schedule.id,
    version: Number.isSafeInteger(version) ? version : 0,
    currentQuantity: current?.items[0]?.quantity ?? null,
    next:
      next && nextPrice
        ? {
            priceId: idOf(nextPrice) as string,
            lookupKey: lookupKeyOf(nextPrice),
            quantity: next.items[0].quantity ?? 1,
            meteredPriceIds: next.items.slice(1).map((item) => idOf(item.price) as string),
            startsAt: new Date(next.start_date * 1000),
          }
        : null,
  };
}

function pendingChangeOf(subscription: Stripe.Subscription): PendingPriceChange | null {
  const next = scheduleSeatsOf(subscription)?.next;
  if (!next || next.priceId === planItemOf(subscription)?.price.id) return null;
  return { priceId: next.priceId, lookupKey: next.lookupKey, startsAt: next.startsAt };
}

/** The quantity the schedule's next phase gives the plan item, when it differs from today's. */
function pendingQuantityOf(subscription: Stripe.Subscription): number | null {
  const next = scheduleSeatsOf(subscription)?.next;
  const quantity = planItemOf(subscription)?.quantity ?? 1;
  return next && next.quantity !== quantity ? next.quantity : null;
}

export async function retrieveSubscriptionState(id: string): Promise<SubscriptionState> {
  const subscription = await getStripe().subscriptions.retrieve(id, { expand: SUBSCRIPTION_EXPAND });
  let pendingChange = pendingChangeOf(subscription);
  if (pendingChange && !pendingChange.lookupKey) {
    const price = await getStripe().prices.retrieve(pendingChange.priceId);
    pendingChange = { ...pendingChange, lookupKey: price.lookup_key };
  }
  // The schedule's phases name their prices by id: the next one's lookup key is the current item's
  // (same price) or the pending change's (read above).
  const schedule = scheduleSeatsOf(subscription);
  if (schedule?.next && !schedule.next.lookupKey) {
    const item = planItemOf(subscription);
    schedule.next.lookupKey = schedule.next.priceId === item?.price.id ? item.price.lookup_key : (pendingChange?.lookupKey ?? null);
  }
  return { subscription, pendingChange, pendingQuantity: pendingQuantityOf(subscription), schedule };
}

/**
 * "Now" as Stripe sees it for this subscription: a test clock's frozen time when it has one (test
 * mode), the wall clock otherwise. Proration dates must be inside the subscription's period.
 */
export async function stripeNow(subscription: Stripe.Subscription): Promise<number> {
  const clock = idOf(subscription.test_clock);
  if (!clock) return Math.floor(Date.now() / 1000);
  return (await getStripe().testHelpers.testClocks.retrieve(clock)).frozen_time;
}

export const retrieveInvoice = (id: string) => getStripe().invoices.retrieve(id);

export const retrieveCustomer = (id: string) => getStripe().customers.retrieve(id);

export const retrieveCheckoutSession = (id: string) => getStripe().checkout.sessions.retrieve(id);

/** The customer as Stripe has it now: `deleted` when it was deleted or Stripe no longer knows it; its tax IDs, read at `version` (ms). */
export async function retrieveCustomerState(
  id: string,
): Promise<{ id: string; email: string | null; deleted: boolean; taxIds: Array<{ type: string; value: string }>; version: number }> {
  const version = Date.now();
  try {
    const customer = await getStripe().customers.retrieve(id, { expand: ["tax_ids"] });
    if ("deleted" in customer && customer.deleted) return { id, email: null, deleted: true, taxIds: [], version };
    const live = customer as Stripe.Customer;
    return {
      id,
      email: live.email,
      deleted: false,
      taxIds: (live.tax_ids?.data ?? []).map((t) => ({ type: t.type, value: t.value })),
      version,
    };
  } catch (error) {
    if (isResourceMissing(error)) return { id, email: null, deleted: true, taxIds: [], version };
    throw error;
  }
}

/** Stripe's 404: the object does not exist (any more). Read by field, not class (see ./errors.ts). */
export const isResourceMissing = (error: unknown) =>
  Boolean(error && typeof error === "object" && (error as { code?: unknown }).code === "resource_missing");

export function createCustomer(params: { accountId: string; email: string; name?: string | null; idempotencyKey: string }) {
  return getStripe().customers.create(
    { email: params.email, name: params.name ?? undefined, metadata: { accountId: params.accountId } },
    { idempotencyKey: params.idempotencyKey },
  );
}

// Prices change rarely; a short cache keeps checkout and the pricing page off Stripe's hot path.
// A stale cache is served at once while one background read refreshes it, so a slow or hung
// Stripe never holds up the pricing page once prices have been seen.
const PRICE_CACHE_MS = 60_000;
const globalForPrices = globalThis as unknown as {
  __priceCache?: { at: number; prices: Map<string, Stripe.Price> };
  __priceRefresh?: Promise<Map<string, Stripe.Price>>;
};

async function loadPrices(lookupKeys: string[]): Promise<Map<string, Stripe.Price>> {
  const prices = new Map<string, Stripe.Price>();
  for await (const price of getStripe().prices.list({ lookup_keys: lookupKeys, active: true, limit: 100 })) {
    if (price.lookup_key) prices.set(price.lookup_key, price);
  }
  globalForPrices.__priceCache = { at: Date.now(), prices };
  return prices;
}

/** Active catalog prices by lookup key. */
export async function activePricesByLookupKey(lookupKeys: string[]): Promise<Map<string, Stripe.Price>> {
  const cache = globalForPrices.__priceCache;
  const covers = cache && lookupKeys.every((k) => cache.prices.has(k));
  if (cache && covers && Date.now() - cache.at < PRICE_CACHE_MS) return cache.prices;
  if (cache && covers) {
    globalForPrices.__priceRefresh ??= loadPrices(lookupKeys).finally(() => (globalForPrices.__priceRefresh = undefined));
    globalForPrices.__priceRefresh.catch(() => {}); // a failed refresh keeps the stale cache
    return cache.prices;
  }
  return loadPrices(lookupKeys);
}

export function clearPriceCache(): void {
  globalForPrices.__priceCache = undefined;
  globalForPortal.__portalConfiguration = undefined;
  globalForPrices.__priceRefresh = undefined;
}

/** Every subscription the customer has or had, whatever its status (canceled ones included). */
export async function listCustomerSubscriptions(customerId: string): Promise<Stripe.Subscription[]> {
  return getStripe().subscriptions.list({ customer: customerId, status: "all", limit: 100 }).autoPagingToArray({ limit: 10_000 });
}

/**
 * Expires every open checkout session of the customer except the newest (by creation time, then
 * id: one total order every caller agrees on). A session that completed or expired meanwhile is
 * skipped.
 */
export async function expireAllButNewestCheckoutSession(customerId: string): Promise<number> {
  const stripe = getStripe();
  const open = (await stripe.checkout.sessions.list({ customer: customerId, status: "open", limit: 100 })).data;
  const newestFirst = [...open].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  let expired = 0;
  for (const session of newestFirst.slice(1)) {
    try {
      await stripe.checkout.sessions.expire(session.id);
      expired += 1;
    } catch (error) {
      if (stripeErrorType(error) !== "StripeInvalidRequestError") throw error;
    }
  }
  return expired;
}

/** Expires every open subscription Checkout of the customer (a card-less trial started meanwhile must stay the only trial). */
export async function expireOpenSubscriptionCheckouts(customerId: string): Promise<void> {
  const stripe = getStripe();
  const open = (await stripe.checkout.sessions.list({ customer: customerId, status: "open", limit: 100 })).data;
  for (const session of open.filter((s) => s.mode === "subscription")) {
    try {
      await stripe.checkout.sessions.expire(session.id);
    } catch (error) {
      if (stripeErrorType(error) !== "StripeInvalidRequestError") throw error;
    }
  }
}

/**
 * What every Checkout Session the app creates adds for Stripe Tax (STRIPE_TAX=on; nothing when off): tax computed
 * by Stripe, the buyer's billing address (asked for when the customer has none) and tax ID (business purchases)
 * collected and saved to the existing customer (`customer_update`; Stripe needs the name saved with a tax ID).
 */
export function checkoutTaxParams(): Pick<Stripe.Checkout.SessionCreateParams, "automatic_tax" | "tax_id_collection" | "customer_update"> {
  if (!stripeTaxEnabled()) return {};
  return { automatic_tax: { enabled: true }, tax_id_collection: { enabled: true }, customer_update: { address: "auto", name: "auto" } };
}

export function createSubscriptionCheckout(params: {
  customerId: string;
  accountId: string;
  priceId: string;
  /** The plan price's quantity: the seats of a per-seat plan, 1 otherwise. */
  quantity: number;
  /** The interval's metered prices (usage past the included amount), no quantity. */
  meteredPriceIds: string[];
  planId: string;
  interval: BillingInterval;
  trialDays: number;
  /** A promotion code checked by the app: applied to the session (Stripe refuses it together with allow_promotion_codes). */
  promotionCodeId?: string | null;
  successUrl: string;
  cancelUrl: string;
  /** Embedded Checkout (on the app's /checkout page): no cancel URL, and the success URL is its `return_url`. */
  embedded?: boolean;
  idempotencyKey: string;
}) {
  return getStripe().checkout.sessions.create(
    {
      mode: "subscription",
      customer: params.customerId,
      client_reference_id: params.accountId,
      line_items: [{ price: params.priceId, quantity: params.quantity }, ...params.meteredPriceIds.map((price) => ({ price }))],
      ...(params.promotionCodeId ? { discounts: [{ promotion_code: params.promotionCodeId }] } : { allow_promotion_codes: true }),
      subscription_data: {
        ...(params.trialDays > 0 ? { trial_period_days: params.trialDays } : {}),
        metadata: { accountId: params.accountId, planId: params.planId, interval: params.interval },
      },
      metadata: { accountId: params.accountId, planId: params.planId, interval: params.interval },
      ...checkoutTaxParams(),
      ...(params.embedded
        ? { ui_mode: "embedded_page" as const, return_url: params.successUrl }
        : { success_url: params.successUrl, cancel_url: params.cancelUrl }),
    },
    { idempotencyKey: params.idempotencyKey },
  );
}

/**
 * A card-less trial: the subscription starts `trialing` with no payment method; at the trial's end
 * Stripe bills the card added meanwhile, or does `endBehavior` (cancel or pause) when there is none.
 */
export function createTrialSubscription(params: {
  customerId: string;
  accountId: string;
  priceId: string;
  quantity: number;
  meteredPriceIds: string[];
  planId: string;
  interval: BillingInterval;
  trialDays: number;
  endBehavior: "cancel" | "pause";
  idempotencyKey: string;
}) {
  return getStripe().subscriptions.create(
    {
      customer: params.customerId,
      items: [{ price: params.priceId, quantity: params.quantity }, ...params.meteredPriceIds.map((price) => ({ price }))],
      trial_period_days: params.trialDays,
      trial_settings: { end_behavior: { missing_payment_method: params.endBehavior } },
      payment_settings: { save_default_payment_method: "on_subscription" },
      // Stripe Tax needs the customer's address (checked first: trial-start.ts).
      ...(stripeTaxEnabled() ? { automatic_tax: { enabled: true } } : {}),
      metadata: { accountId: params.accountId, planId: params.planId, interval: params.interval, trial: "without_card" },
    },
    { idempotencyKey: params.idempotencyKey },
  );
}

/** Checkout in `setup` mode: saves a card for the customer, charges nothing; the webhook makes it the default. */
export function createSetupCheckout(params: {
  customerId: string;
  accountId: string;
  subscriptionId: string;
  successUrl: string;
  cancelUrl: string;
}) {
  return getStripe().checkout.sessions.create({
    mode: "setup",
    customer: params.customerId,
    client_reference_id: params.accountId,
    currency: "usd",
    metadata: { accountId: params.accountId, subscriptionId: params.subscriptionId, purpose: "trial_card" },
    success_url: params.successUrl,
    cancel_url: params.cancelUrl,
  });
}

/** Whether Stripe has a card to charge for this subscription: its own default or the customer's. */
export async function hasDefaultPaymentMethod(subscriptionId: string): Promise<boolean> {
  const subscription = await getStripe().subscriptions.retrieve(subscriptionId, { expand: ["customer"] });
  if (subscription.default_payment_method) return true;
  const customer = subscription.customer as Stripe.Customer | Stripe.DeletedCustomer;
  return !("deleted" in customer && customer.deleted) && !!(customer as Stripe.Customer).invoice_settings?.default_payment_method;
}

/**
 * A completed setup Checkout: its card becomes the customer's and the subscription's default payment
 * method, and a subscription the trial's end paused for want of a card resumes (billed at once).
 */
export async function applySetupPaymentMethod(setupIntentId: string, subscriptionId: string | null): Promise<void> {
  const intent = await getStripe().setupIntents.retrieve(setupIntentId);
  const paymentMethod = idOf(intent.payment_method);
  const customer = idOf(intent.customer);
  if (!paymentMethod || !customer) return;
  await getStripe().customers.update(customer, { invoice_settings: { default_payment_method: paymentMethod } });
  if (!subscriptionId) return;
  const subscription = await getStripe().subscriptions.retrieve(subscriptionId);
  if (idOf(subscription.customer) !== customer || inGroup(ENDED, subscription.status)) return;
  await getStripe().subscriptions.update(subscriptionId, { default_payment_method: paymentMethod });
  if (subscription.status === SUBSCRIPTION_STATUS.paused)
    await getStripe().subscriptions.resume(subscriptionId, { billing_cycle_anchor: { type: "now" } });
}

const globalForPortal = globalThis as unknown as { __portalConfiguration?: { at: number; id: string | null } };

/**
 * The portal configuration `npm run stripe:setup` made (it carries the app's plan-change policy).
 * Without it, Stripe would use the account's default configuration and its own rules.
 */
async function managedPortalConfiguration(): Promise<string | null> {
  const cached = globalForPortal.__portalConfiguration;
  if (cached && Date.now() - cached.at < PRICE_CACHE_MS) return cached.id;
  let id: string | null = null;
  for await (const config of getStripe().billingPortal.configurations.list({ active: true, limit: 100 })) {
    if (config.metadata?.managed_by === MANAGED_BY) id = config.id;
  }
  globalForPortal.__portalConfiguration = { at: Date.now(), id };
  return id;
}

export async function createPortalSession(customerId: string, returnUrl: string) {
  const configuration = await managedPortalConfiguration();
  return getStripe().billingPortal.sessions.create({
    customer: customerId,
    return_url: returnUrl,
    ...(configuration ? { configuration } : {}),
  });
}

export function previewPriceChange(params: {
  customerId: string;
  subscriptionId: string;
  items: Stripe.SubscriptionUpdateParams.Item[];
  prorationDate: number;
}) {
  return getStripe().invoices.createPreview({
    customer: params.customerId,
    subscription: params.subscriptionId,
    subscription_details: {
      items: params.items,
      proration_behavior: IMMEDIATE_PRORATION,
      proration_date: params.prorationDate,
    },
  });
}

/**
 * Switches the price now and invoices the prorated difference immediately. The change takes effect
 * only once that invoice is paid: a declined card is a StripeCardError (402) and nothing changes.
 */
export function changePriceNow(params: {
  subscriptionId: string;
  /** From itemsForPriceChange: the plan item's new price, metered items moved to the new interval. */
  items: Stripe.SubscriptionUpdateParams.Item[];
  prorationDate: number;
  /** End a running trial: the new price is billed in full from now. */
  endTrial: boolean;
  idempotencyKey: string;
}) {
  return getStripe().subscriptions.update(
    params.subscriptionId,
    {
      items: params.items,
      proration_behavior: IMMEDIATE_PRORATION,
      payment_behavior: IMMEDIATE_PAYMENT_BEHAVIOR,
      ...(params.endTrial ? { trial_end: "now" as const } : { proration_date: params.prorationDate }),
      cancel_at_period_end: false,
    },
    { idempotencyKey: params.idempotencyKey },
  );
}

/**
 * Keeps the current price (and quantity) until the period ends, then switches to `priceId` with
 * `quantity` (a subscription schedule, created from the subscription when it has none). Also how
 * a per-seat plan's seats are lowered from the next period: the same price with fewer seats.
 */
export async function schedulePriceChange(params: {
  subscription: Stripe.Subscription;
  priceId: string;
  interval: BillingInterval;
  /** The new interval's metered prices, carried into the next phase. */
  meteredPriceIds: string[];
  /** The plan item's quantity from the next period; the current one when absent. */
  quantity?: number;
  /** Metadata merged into the schedule's (the seat writes' version). */
  metadata?: Record<string, string>;
  /** For the update (the schedule is created first when the subscription has none). */
  idempotencyKey?: string;
}): Promise<Stripe.SubscriptionSchedule> {
  const stripe = getStripe();
  const item = planItemOf(params.subscription) as Stripe.SubscriptionItem;
  const meteredNow = meteredItemsOf(params.subscription).map((i) => i.price.id);
  const scheduleId =
    idOf(params.subscription.schedule) ?? (await stripe.subscriptionSchedules.create({ from_subscription: params.subscription.id })).id;
  return stripe.subscriptionSchedules.update(
    scheduleId,
    {
      end_behavior: "release",
      ...(params.metadata ? { metadata: params.metadata } : {}),
      phases: [
        {
          items: phaseItems(item.price.id, item.quantity ?? 1, meteredNow),
          start_date: item.current_period_start,
          end_date: item.current_period_end,
          // A running trial stays in the current phase: the new price starts when it ends.
          ...(params.subscription.status === SUBSCRIPTION_STATUS.trialing && params.subscription.trial_end
            ? { trial_end: params.subscription.trial_end }
            : {}),
        },
        {
          items: phaseItems(params.priceId, params.quantity ?? item.quantity ?? 1, params.meteredPriceIds),
          duration: { interval: params.interval, interval_count: 1 },
        },
      ],
    },
    params.idempotencyKey ? { idempotencyKey: params.idempotencyKey } : {},
  );
}

/**
 * Sets the plan item's quantity now with the proration invoiced at once (`always_invoice`): seats
 * added to a per-seat plan. The member already uses the product, so a declined card does not undo
 * the seat (`allow_incomplete`): the invoice stays open and dunning follows, as for a renewal.
 * The caller derives `idempotencyKey` from the state it read, so a retry is a replay and a
 * concurrent write planned from the same state is refused (Stripe's idempotency_error).
 */
export function setPlanQuantityNow(params: { itemId: string; quantity: number; idempotencyKey: string }) {
  return getStripe().subscriptionItems.update(
    params.itemId,
    { quantity: params.quantity, proration_behavior: "always_invoice", payment_behavior: "allow_incomplete" },
    { idempotencyKey: params.idempotencyKey },
  );
}

/** Stripe refused a reused idempotency key with other parameters: the state it was planned from moved on. */
export const isIdempotencyConflict = (error: unknown) => stripeErrorType(error) === "StripeIdempotencyError";

export async function releaseSchedule(scheduleId: string, idempotencyKey?: string): Promise<void> {
  await getStripe().subscriptionSchedules.release(scheduleId, {}, idempotencyKey ? { idempotencyKey } : {});
}

export function setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean) {
  return getStripe().subscriptions.update(subscriptionId, { cancel_at_period_end: cancel });
}

export async function* listAllSubscriptions(): AsyncGenerator<Stripe.Subscription> {
  yield* getStripe().subscriptions.list({ status: "all", limit: 100 });
}

export async function* listAllCustomers(): AsyncGenerator<Stripe.Customer> {
  yield* getStripe().customers.list({ limit: 100 });
}

export async function* listSubscriptionsForCustomer(customerId: string): AsyncGenerator<Stripe.Subscription> {
  yield* getStripe().subscriptions.list({ customer: customerId, status: "all", limit: 100 });
}

export async function* listInvoicesForCustomer(customerId: string): AsyncGenerator<Stripe.Invoice> {
  yield* getStripe().invoices.list({ customer: customerId, limit: 100 });
}

/** A customer's billing details: what Stripe Tax and the invoices use. */
export interface CustomerBillingDetails {
  name: string | null;
  address: Stripe.Address | null;
  taxIds: Array<{ id: string; type: string; value: string; verification: string | null }>;
}

export async function retrieveCustomerBillingDetails(customerId: string): Promise<CustomerBillingDetails & { deleted: boolean }> {
  const customer = await getStripe().customers.retrieve(customerId, { expand: ["tax_ids"] });
  if ("deleted" in customer && customer.deleted) return { name: null, address: null, taxIds: [], deleted: true };
  const live = customer as Stripe.Customer;
  return {
    name: live.name ?? null,
    address: live.address ?? null,
    taxIds: (live.tax_ids?.data ?? []).map((t) => ({
      id: t.id,
      type: t.type,
      value: t.value,
      verification: t.verification?.status ?? null,
    })),
    deleted: false,
  };
}

/** Adds a tax ID to the customer (Stripe checks its format: a bad one is a StripeInvalidRequestError and adds nothing). */
export function createCustomerTaxId(customerId: string, taxId: { type: string; value: string }) {
  return getStripe().customers.createTaxId(customerId, { type: taxId.type as Stripe.CustomerCreateTaxIdParams.Type, value: taxId.value });
}

export async function deleteCustomerTaxId(customerId: string, taxIdId: string): Promise<void> {
  try {
    await getStripe().customers.deleteTaxId(customerId, taxIdId);
  } catch (error) {
    if (!isResourceMissing(error)) throw error;
  }
}

export function updateCustomerNameAndAddress(customerId: string, details: { name: string; address: Stripe.AddressParam }) {
  return getStripe().customers.update(customerId, { name: details.name, address: details.address });
}

/** What an invoice's tax lines show of a tax rate (Stripe names rates by id on invoices). */
export interface TaxRateInfo {
  displayName: string;
  percentage: number | null;
  jurisdiction: string | null;
}

const globalForTaxRates = globalThis as unknown as { __taxRates?: Map<string, TaxRateInfo> };

/** The tax rates by id, each read once per process (display name and percentage of a rate do not change). */
export async function retrieveTaxRates(ids: string[]): Promise<Map<string, TaxRateInfo>> {
  const cache = (globalForTaxRates.__taxRates ??= new Map());
  const out = new Map<string, TaxRateInfo>();
  for (const id of new Set(ids)) {
    let info = cache.get(id);
    if (!info) {
      const rate = await getStripe().taxRates.retrieve(id);
      info = {
        displayName: rate.display_name,
        percentage: rate.percentage ?? null,
        jurisdiction: rate.jurisdiction ?? rate.country ?? null,
      };
      if (cache.size > 1000) cache.clear();
      cache.set(id, info);
    }
    out.set(id, info);
  }
  return out;
}

/** A cheap authenticated read that proves Stripe answers: no retries, its own short timeout. */
export async function pingStripe(timeoutMs: number): Promise<void> {
  await getStripe().prices.list({ limit: 1 }, { timeout: timeoutMs, maxNetworkRetries: 0 });
}
