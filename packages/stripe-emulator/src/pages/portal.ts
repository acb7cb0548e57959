import type { IncomingMessage, ServerResponse } from "node:http";
import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { StripeApiError } from "../http/errors";
import { readBody } from "../http/server";
import { parseForm, Params } from "../http/form";
import { emitEvent } from "../events";
import { clone } from "../json";
import { describeInterval, formatAmount, productName } from "../billing/plans";
import { formatLongDate as formatDate } from "../billing/periods";
import { cancelSubscription, period, planItemOf, recurringOf } from "../billing/subscriptions";
import { applyPlannedChange, planItemChanges, type ProrationBehavior } from "../billing/changes";
import { predictUpdateCharge, refuseIfUnpaid } from "../billing/payment-behavior";
import { createScheduleFromSubscription, releaseSchedule, scheduleIdOf, updateSchedulePhases } from "../billing/schedules";
import { attachPaymentMethod, paymentMethodFromCardNumber } from "../billing/payment-methods";
import { portalUpdateUnavailable } from "../billing/portal-limits";
import { html, notFound, page, redirect, sendHtml, type Html } from "./layout";

/** `?view=home` keeps a deep-link session on the portal homepage once its flow is done (`portal_homepage`). */
type View = "flow" | "home" | "done";

function configOf(emu: Emulator, session: Stripe.BillingPortal.Session): Stripe.BillingPortal.Configuration | undefined {
  return emu.store.portalConfigurations.get(typeof session.configuration === "string" ? session.configuration : session.configuration.id);
}

function subscriptionsOf(emu: Emulator, customer: string): Stripe.Subscription[] {
  return [...emu.store.subscriptions.values()]
    .filter((s) => s.customer === customer && s.status !== "canceled" && s.status !== "incomplete_expired")
    .reverse();
}

function planLabel(emu: Emulator, price: Stripe.Price): string {
  return `${productName(emu, price)} — ${formatAmount(price.unit_amount ?? 0, price.currency)} / ${describeInterval(price)}`;
}

/** The cost of a price per day of its interval, to compare prices billed on different intervals. */
function dailyCost(price: Stripe.Price, quantity: number): number {
  return ((price.unit_amount ?? 0) * quantity) / intervalDays(price);
}

/**
 * What a switch means for the customer, by price: another product that costs more (per day of its interval) is an
 * upgrade, one that costs less a downgrade; the same product on another interval, or the same cost, is a switch.
 */
function switchVerb(current: Stripe.SubscriptionItem, option: Stripe.Price): "Upgrade" | "Downgrade" | "Switch" {
  if (option.product === current.price.product) return "Switch";
  const quantity = current.quantity ?? 1;
  const [now, next] = [dailyCost(current.price, quantity), dailyCost(option, quantity)];
  return next > now ? "Upgrade" : next < now ? "Downgrade" : "Switch";
}

function subscriptionCard(
  emu: Emulator,
  session: Stripe.BillingPortal.Session,
  config: Stripe.BillingPortal.Configuration,
  sub: Stripe.Subscription,
  query = "",
  cancelControls = true,
): Html {
  const base = `/portal/${session.id}`;
  // Stripe's portal only updates subscriptions it supports (one licensed item); the others can only be canceled.
  const unavailable = portalUpdateUnavailable(sub);
  const item = planItemOf(sub);
  const price = item.price;
  const { end } = period(sub);
  const cancelling = sub.cancel_at !== null;
  const scheduleId = scheduleIdOf(sub);
  const schedule = scheduleId ? emu.store.subscriptionSchedules.get(scheduleId) : undefined;
  const upcoming = schedule?.phases.find((p) => p.start_date >= end);
  const upcomingPrice = upcoming ? emu.store.prices.get(String(upcoming.items[0]?.price)) : undefined;
  const upcomingQuantity = upcoming?.items[0]?.quantity ?? item.quantity ?? 1;
  const bounds = unavailable ? null : quantityBounds(config, item);
  const options =
    config.features.subscription_update.enabled && !unavailable
      ? (config.features.subscription_update.products ?? []).flatMap((p) => p.prices).filter((id) => id !== price.id)
      : [];
  const pm = typeof sub.default_payment_method === "string" ? emu.store.paymentMethods.get(sub.default_payment_method) : undefined;
  return html`<section class="card" aria-label="Current plan">
    <h2>Current plan</h2>
    <p><strong data-testid="current-plan">${planLabel(emu, price)}</strong> <span class="badge">${sub.status}</span></p>
    <p class="muted">${
      cancelling
        ? `Your plan will be canceled on ${formatDate(sub.cancel_at ?? end)}.`
        : sub.status === "trialing" && sub.trial_end
          ? `Trial ends on ${formatDate(sub.trial_end)}.`
          : `Renews on ${formatDate(end)}.`
    }</p>
    ${
      upcomingPrice && upcomingPrice.id !== price.id
        ? html`<p class="notice">Switching to ${planLabel(emu, upcomingPrice)} on ${formatDate(end)}.</p>`
        : upcomingPrice && upcomingQuantity !== (item.quantity ?? 1)
          ? html`<p class="notice" data-testid="pending-quantity">Quantity changes to ${upcomingQuantity} on ${formatDate(end)}.</p>`
          : null
    }
    ${item.quantity !== undefined && item.quantity !== 1 ? html`<p class="muted">Quantity: <span data-testid="current-quantity">${item.quantity}</span></p>` : null}
    ${pm?.card ? html`<p class="muted">Payment method: ${pm.card.brand} •••• ${pm.card.last4}</p>` : null}
    ${
      unavailable && config.features.subscription_update.enabled
        ? html`<p class="muted" data-testid="update-unavailable">${unavailable} You can still cancel it.</p>`
        : null
    }
    <div class="row">
      ${
        !cancelControls
          ? null
          : cancelling
            ? html`<form method="post" action="${base}/resume${query}"><input type="hidden" name="subscription" value="${sub.id}"><button type="submit">Resume plan</button></form>`
            : config.features.subscription_cancel.enabled
              ? html`<form method="post" action="${base}/cancel${query}"><input type="hidden" name="subscription" value="${sub.id}"><button type="submit" class="danger">Cancel plan</button></form>`
              : null
      }
    </div>
    ${
      bounds && !cancelling
        ? html`<h2 style="margin-top:20px">Quantity</h2>
            <form method="post" action="${base}/quantity${query}" class="row">
              <input type="hidden" name="subscription" value="${sub.id}">
              <label for="quantity-${sub.id}">Quantity</label>
              <input id="quantity-${sub.id}" name="quantity" type="number" inputmode="numeric" min="${String(bounds.minimum)}" ${bounds.maximum !== null ? html`max="${String(bounds.maximum)}"` : null} value="${String(item.quantity ?? 1)}" required>
              <button type="submit" class="secondary">Update quantity</button>
            </form>`
        : null
    }
    ${
      options.length && !cancelling
        ? html`<h2 style="margin-top:20px">Switch plan</h2><ul class="plain">${options.map((id) => {
            const option = emu.store.prices.get(id);
            if (!option || !option.active) return html``;
            const verb = switchVerb(item, option);
            return html`<li><span>${planLabel(emu, option)}</span><form method="post" action="${base}/switch${query}"><input type="hidden" name="subscription" value="${sub.id}"><input type="hidden" name="price" value="${id}"><button type="submit" class="secondary" aria-label="${verb} to ${planLabel(emu, option)}">${verb}</button></form></li>`;
          })}</ul>`
        : null
    }
  </section>`;
}

function render(
  emu: Emulator,
  session: Stripe.BillingPortal.Session,
  notice: string | null,
  error: string | null,
  view: View = "flow",
): string {
  const config = configOf(emu, session);
  const customer = emu.store.customers.get(session.customer);
  if (!config || !customer) return page("Billing", html`<div class="card"><h1>Unavailable</h1></div>`);
  if (session.flow && view !== "home") return renderFlow(emu, session, config, session.flow, notice, error, view);
  const query = session.flow ? "?view=home" : "";
  const subs = subscriptionsOf(emu, customer.id);
  const invoices = [...emu.store.invoices.values()].filter((i) => i.customer === customer.id && i.status !== "draft").reverse();
  const business = emu.settings.businessName;
  const body = html`
    <p>${session.return_url ? html`<a href="${session.return_url}">← Return to ${business}</a>` : null}</p>
    <span class="badge test">TEST MODE</span>
    <h1 data-testid="merchant-name">${business}</h1>
    ${config.business_profile.headline ? html`<p>${config.business_profile.headline}</p>` : null}
    <p class="muted">${customer.email ?? customer.id}</p>
    ${notice ? html`<div class="notice" role="status">${notice}</div>` : null}
    ${error ? html`<div class="error" role="alert">${error}</div>` : null}
    ${subs.length ? subs.map((s) => subscriptionCard(emu, session, config, s, query)) : html`<div class="card"><p>No active subscription.</p></div>`}
    ${config.features.payment_method_update.enabled ? cardForm(session, query) : null}
    ${
      config.features.invoice_history.enabled
        ? html`<section class="card" aria-label="Invoice history"><h2>Invoice history</h2>
            <table><thead><tr><th>Date</th><th>Number</th><th class="num">Amount</th><th>Status</th></tr></thead><tbody>
            ${invoices.map(
              (i) =>
                html`<tr><td>${formatDate(i.created)}</td><td>${i.hosted_invoice_url ? html`<a href="${i.hosted_invoice_url}">${i.number ?? i.id}</a>` : (i.number ?? i.id)}</td><td class="num">${formatAmount(i.total, i.currency)}</td><td>${i.status}</td></tr>`,
            )}
            </tbody></table></section>`
        : null
    }`;
  return page("Billing portal", body);
}

function cardForm(session: Stripe.BillingPortal.Session, query: string): Html {
  return html`<section class="card" aria-label="Payment method"><h2>Update card</h2>
    <form method="post" action="/portal/${session.id}/payment-method${query}">
      <label for="card_number">Card number</label>
      <input id="card_number" name="card_number" inputmode="numeric" placeholder="1234 1234 1234 1234" required>
      <button class="full" type="submit">Save card</button>
    </form></section>`;
}

const FLOW_TITLES: Record<string, string> = {
  payment_method_update: "Update your payment method",
  subscription_cancel: "Cancel your plan",
  subscription_update: "Update your plan",
  subscription_update_confirm: "Confirm your update",
};

/** The subscription a deep link is about. */
function flowSubscriptionId(flow: Stripe.BillingPortal.Session.Flow): string | null {
  return (
    flow.subscription_cancel?.subscription ??
    flow.subscription_update?.subscription ??
    flow.subscription_update_confirm?.subscription ??
    null
  );
}

/**
 * A deep-link session (`flow_data`) opens on its one action, without the homepage's navigation; once done, the
 * `hosted_confirmation` page shows the custom message (or what was done) and a link back to the business.
 */
function renderFlow(
  emu: Emulator,
  session: Stripe.BillingPortal.Session,
  config: Stripe.BillingPortal.Configuration,
  flow: Stripe.BillingPortal.Session.Flow,
  notice: string | null,
  error: string | null,
  view: View,
): string {
  const business = emu.settings.businessName;
  const back = session.return_url ? html`<p><a href="${session.return_url}">← Return to ${business}</a></p>` : null;
  const header = html`${back}<span class="badge test">TEST MODE</span><h1 data-testid="merchant-name">${business}</h1>`;
  if (view === "done") {
    const message = flow.after_completion.hosted_confirmation?.custom_message ?? notice ?? "Done.";
    return page(
      "Billing portal",
      html`${header}<section class="card" aria-label="Confirmation"><h2 data-testid="flow-confirmation">${message}</h2>
      ${session.return_url ? html`<p><a class="button" href="${session.return_url}">Return to ${business}</a></p>` : null}</section>`,
    );
  }
  const sub = emu.store.subscriptions.get(flowSubscriptionId(flow) ?? "");
  let content: Html;
  if (flow.type === "payment_method_update") {
    content = cardForm(session, "");
  } else if (!sub) {
    content = html`<div class="card"><p>This subscription no longer exists.</p></div>`;
  } else if (flow.type === "subscription_cancel") {
    const { end } = period(sub);
    content =
      sub.cancel_at !== null || sub.status === "canceled"
        ? html`<section class="card" aria-label="Cancel plan"><p data-testid="current-plan">${planLabel(emu, planItemOf(sub).price)}</p><p>Your plan is already canceled${sub.cancel_at ? ` from ${formatDate(sub.cancel_at)}` : ""}.</p></section>`
        : html`<section class="card" aria-label="Cancel plan">
            <p><strong data-testid="current-plan">${planLabel(emu, planItemOf(sub).price)}</strong></p>
            <p>${config.features.subscription_cancel.mode === "immediately" ? "Your plan will be canceled now." : `Your plan will be canceled, but is still available until the end of your billing period on ${formatDate(end)}.`}</p>
            <form method="post" action="/portal/${session.id}/cancel"><input type="hidden" name="subscription" value="${sub.id}"><button type="submit" class="danger">Cancel plan</button></form>
          </section>`;
  } else if (flow.type === "subscription_update") {
    content = subscriptionCard(emu, session, config, sub, "", false);
  } else {
    const item = flow.subscription_update_confirm?.items[0];
    const current = planItemOf(sub);
    const next = item?.price ? emu.store.prices.get(item.price) : current.price;
    const quantity = item?.quantity ?? current.quantity ?? 1;
    content = html`<section class="card" aria-label="Confirm update">
      <p>Current plan: <strong data-testid="current-plan">${planLabel(emu, current.price)}</strong>${(current.quantity ?? 1) !== 1 ? ` × ${current.quantity}` : ""}</p>
      <p>New plan: <strong data-testid="new-plan">${next ? planLabel(emu, next) : ""}</strong>${quantity !== 1 ? ` × ${quantity}` : ""}</p>
      <form method="post" action="/portal/${session.id}/confirm-update"><input type="hidden" name="subscription" value="${sub.id}"><button type="submit">Confirm</button></form>
    </section>`;
  }
  return page(
    "Billing portal",
    html`${header}<h2 data-testid="flow-title">${FLOW_TITLES[flow.type] ?? ""}</h2>
      ${notice ? html`<div class="notice" role="status">${notice}</div>` : null}
      ${error ? html`<div class="error" role="alert">${error}</div>` : null}
      ${content}`,
  );
}

/** Which actions complete a deep link's flow. */
const FLOW_ACTIONS: Record<string, string[]> = {
  payment_method_update: ["payment-method"],
  subscription_cancel: ["cancel"],
  subscription_update: ["switch", "quantity"],
  subscription_update_confirm: ["confirm-update"],
};

function requireSubscription(emu: Emulator, session: Stripe.BillingPortal.Session, form: Params): Stripe.Subscription {
  const sub = emu.store.subscriptions.get(form.str("subscription") ?? "");
  if (!sub || sub.customer !== session.customer)
    throw new StripeApiError(404, { type: "invalid_request_error", message: "Subscription not found." });
  return sub;
}

const INTERVAL_DAYS: Record<Stripe.Price.Recurring.Interval, number> = { day: 1, week: 7, month: 30, year: 365 };

function intervalDays(price: Stripe.Price): number {
  const recurring = recurringOf(price);
  return INTERVAL_DAYS[recurring.interval] * recurring.interval_count;
}

/**
 * Whether the configuration's `schedule_at_period_end.conditions` defer this switch (a new price and/or quantity) to
 * the period end: `decreasing_item_amount` compares price × quantity, `shortening_interval` the intervals.
 */
function deferredToPeriodEnd(
  config: Stripe.BillingPortal.Configuration,
  current: Stripe.SubscriptionItem,
  next: Stripe.Price,
  nextQuantity = current.quantity ?? 1,
): boolean {
  const quantity = current.quantity ?? 1;
  return config.features.subscription_update.schedule_at_period_end.conditions.some((c) =>
    c.type === "decreasing_item_amount"
      ? (next.unit_amount ?? 0) * nextQuantity < (current.price.unit_amount ?? 0) * quantity
      : intervalDays(next) < intervalDays(current.price),
  );
}

/**
 * Whether the portal offers quantity updates for this item, and within which bounds: the configuration allows
 * `quantity` in `subscription_update.default_allowed_updates` (a licensed item only), bounded by the item's product
 * `adjustable_quantity` when that is enabled (else from 1, without maximum).
 */
function quantityBounds(
  config: Stripe.BillingPortal.Configuration,
  item: Stripe.SubscriptionItem,
): { minimum: number; maximum: number | null } | null {
  const update = config.features.subscription_update;
  if (!update.enabled || !update.default_allowed_updates.includes("quantity") || item.price.recurring?.usage_type === "metered")
    return null;
  const product = (update.products ?? []).find((p) => p.product === item.price.product);
  const adjustable = product?.adjustable_quantity;
  return adjustable?.enabled ? { minimum: adjustable.minimum, maximum: adjustable.maximum } : { minimum: 1, maximum: null };
}

const PORTAL_PRORATION: Record<Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.ProrationBehavior, ProrationBehavior> = {
  always_invoice: "always_invoice",
  create_prorations: "create_prorations",
  none: "none",
};

/**
 * A plan switch the configuration applies now. `trial_update_behavior: end_trial` (Stripe's default) ends a running
 * trial and bills the new plan at once; `continue_trial` keeps it. A payment that would fail changes nothing: the
 * portal shows the card error.
 */
function switchNow(
  emu: Emulator,
  config: Stripe.BillingPortal.Configuration,
  sub: Stripe.Subscription,
  price: Stripe.Price,
  quantity?: number,
): void {
  const behavior = PORTAL_PRORATION[config.features.subscription_update.proration_behavior];
  const at = emu.nowFor(String(sub.customer));
  const endsTrial = sub.status === "trialing" && config.features.subscription_update.trial_update_behavior === "end_trial";
  const plan = planItemChanges(sub, [{ id: planItemOf(sub).id, price, quantity }]);
  refuseIfUnpaid(predictUpdateCharge(emu, sub, plan, behavior, at, endsTrial));
  // A switch that applies now replaces a pending one: the schedule is released first.
  const scheduleId = scheduleIdOf(sub);
  const schedule = scheduleId ? emu.store.subscriptionSchedules.get(scheduleId) : undefined;
  if (schedule) releaseSchedule(emu, schedule);
  applyPlannedChange(emu, sub, { plan, behavior, at, endsTrial, collect: true, before: clone(sub) });
}

/** Keep the current price until the period ends, then switch (a subscription schedule, released afterwards). */
function switchAtPeriodEnd(emu: Emulator, sub: Stripe.Subscription, price: Stripe.Price, quantity?: number): void {
  const current = planItemOf(sub);
  const nextQuantity = quantity ?? current.quantity ?? 1;
  const scheduleId = scheduleIdOf(sub);
  const schedule =
    (scheduleId ? emu.store.subscriptionSchedules.get(scheduleId) : undefined) ?? createScheduleFromSubscription(emu, sub, {});
  const { start, end } = period(sub);
  const phases = [
    new Params({
      items: [{ price: current.price.id, quantity: String(current.quantity ?? 1) }],
      start_date: String(start),
      end_date: String(end),
      // A running trial stays in the current phase: the switch happens when it ends.
      ...(sub.status === "trialing" && sub.trial_end !== null ? { trial_end: String(sub.trial_end) } : {}),
    }),
    new Params({
      items: [{ price: price.id, quantity: String(nextQuantity) }],
    }),
  ];
  const scheduleBefore = clone(schedule);
  updateSchedulePhases(emu, schedule, phases);
  schedule.end_behavior = "release";
  emitEvent(emu, "subscription_schedule.updated", schedule, scheduleBefore);
}

function refuseUnavailable(sub: Stripe.Subscription): void {
  const unavailable = portalUpdateUnavailable(sub);
  if (unavailable) throw new StripeApiError(400, { type: "invalid_request_error", message: unavailable });
}

/** Portal actions, applied the way the hosted portal would through the API. Returns the notice to show. */
function act(
  emu: Emulator,
  session: Stripe.BillingPortal.Session,
  config: Stripe.BillingPortal.Configuration,
  action: string,
  form: Params,
): string {
  if (action === "payment-method") {
    const pm = paymentMethodFromCardNumber(emu, form.str("card_number") ?? "");
    attachPaymentMethod(emu, pm.id, session.customer);
    const customer = emu.store.customers.get(session.customer);
    if (customer) {
      const before = clone(customer);
      customer.invoice_settings.default_payment_method = pm.id;
      emitEvent(emu, "customer.updated", customer, before);
    }
    for (const sub of subscriptionsOf(emu, session.customer)) {
      const before = clone(sub);
      sub.default_payment_method = pm.id;
      emitEvent(emu, "customer.subscription.updated", sub, before);
    }
    return "Card updated.";
  }
  const sub = requireSubscription(emu, session, form);
  const before = clone(sub);
  const now = emu.nowFor(session.customer);
  switch (action) {
    case "cancel": {
      // A schedule owns the subscription's cancellation: release it (dropping a pending switch) first, as the app does.
      const scheduleId = scheduleIdOf(sub);
      const schedule = scheduleId ? emu.store.subscriptionSchedules.get(scheduleId) : undefined;
      if (schedule) releaseSchedule(emu, schedule);
      const released = clone(sub);
      if (config.features.subscription_cancel.mode === "immediately") {
        cancelSubscription(emu, sub, { reason: "cancellation_requested" });
        return "Your plan has been canceled.";
      }
      sub.cancel_at_period_end = true;
      sub.cancel_at = period(sub).end;
      sub.canceled_at = now;
      sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: "cancellation_requested" };
      emitEvent(emu, "customer.subscription.updated", sub, schedule ? released : before);
      return `Your plan will be canceled on ${formatDate(period(sub).end)}.`;
    }
    case "resume":
      sub.cancel_at_period_end = false;
      sub.cancel_at = null;
      sub.canceled_at = null;
      sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null };
      emitEvent(emu, "customer.subscription.updated", sub, before);
      return "Your plan has been renewed.";
    case "switch": {
      refuseUnavailable(sub);
      const price = emu.store.prices.get(form.str("price") ?? "");
      const allowed = (config.features.subscription_update.products ?? []).some((p) => price && p.prices.includes(price.id));
      if (!price || !allowed) throw new StripeApiError(400, { type: "invalid_request_error", message: "That plan is not available." });
      if (deferredToPeriodEnd(config, sub.items.data[0], price)) {
        switchAtPeriodEnd(emu, sub, price);
        return `Your plan will switch on ${formatDate(period(sub).end)}.`;
      }
      switchNow(emu, config, sub, price);
      return `Your plan has been updated to ${productName(emu, price)}.`;
    }
    case "confirm-update": {
      const item = session.flow?.type === "subscription_update_confirm" ? session.flow.subscription_update_confirm?.items[0] : undefined;
      if (!item) throw new StripeApiError(400, { type: "invalid_request_error", message: "There is no update to confirm." });
      refuseUnavailable(sub);
      const current = planItemOf(sub);
      const price = (item.price ? emu.store.prices.get(item.price) : undefined) ?? current.price;
      const quantity = item.quantity ?? current.quantity ?? 1;
      if (deferredToPeriodEnd(config, current, price, quantity)) {
        switchAtPeriodEnd(emu, sub, price, quantity);
        return `Your plan will be updated on ${formatDate(period(sub).end)}.`;
      }
      switchNow(emu, config, sub, price, quantity);
      return `Your plan has been updated to ${productName(emu, price)}.`;
    }
    case "quantity": {
      refuseUnavailable(sub);
      const item = planItemOf(sub);
      const bounds = quantityBounds(config, item);
      if (!bounds || sub.cancel_at !== null)
        throw new StripeApiError(400, { type: "invalid_request_error", message: "The quantity of this plan cannot be changed." });
      const raw = form.str("quantity") ?? "";
      const quantity = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
      if (!Number.isSafeInteger(quantity) || quantity < bounds.minimum || (bounds.maximum !== null && quantity > bounds.maximum)) {
        const range = bounds.maximum !== null ? `between ${bounds.minimum} and ${bounds.maximum}` : `at least ${bounds.minimum}`;
        throw new StripeApiError(400, { type: "invalid_request_error", message: `The quantity must be a whole number ${range}.` });
      }
      if (quantity === (item.quantity ?? 1)) return "Your quantity is unchanged.";
      if (deferredToPeriodEnd(config, item, item.price, quantity)) {
        switchAtPeriodEnd(emu, sub, item.price, quantity);
        return `Your quantity will change to ${quantity} on ${formatDate(period(sub).end)}.`;
      }
      switchNow(emu, config, sub, item.price, quantity);
      return `Your quantity has been updated to ${quantity}.`;
    }
    default:
      throw new StripeApiError(404, { type: "invalid_request_error", message: "Unknown action." });
  }
}

/** Where a completed deep link goes: `after_completion` (redirect, hosted confirmation or the portal homepage). */
function afterCompletion(session: Stripe.BillingPortal.Session, flow: Stripe.BillingPortal.Session.Flow, notice: string): string {
  const done = flow.after_completion;
  if (done.type === "redirect" && done.redirect) return done.redirect.return_url;
  const view = done.type === "hosted_confirmation" ? "done" : "home";
  return `/portal/${session.id}?view=${view}&notice=${encodeURIComponent(notice)}`;
}

export async function handlePortalPage(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const m = /^\/portal\/([^/]+)(?:\/(cancel|resume|switch|quantity|payment-method|confirm-update))?$/.exec(url.pathname);
  if (!m) return false;
  const session = emu.store.portalSessions.get(decodeURIComponent(m[1]));
  const config = session ? configOf(emu, session) : undefined;
  if (!session || !config) {
    notFound(res, "This portal session does not exist.");
    return true;
  }
  const requested = url.searchParams.get("view");
  const view: View = requested === "home" || requested === "done" ? requested : "flow";
  if (req.method === "GET" && !m[2]) {
    sendHtml(res, 200, render(emu, session, url.searchParams.get("notice"), url.searchParams.get("error"), view));
    return true;
  }
  if (req.method !== "POST" || !m[2]) return false;
  const form = new Params(parseForm(await readBody(req)));
  const flow = view === "flow" ? session.flow : null;
  const back = `/portal/${session.id}${view === "home" ? "?view=home&" : "?"}`;
  try {
    if (flow) {
      // A deep link only does its own action, on its own subscription.
      const subscription = flowSubscriptionId(flow);
      if (!FLOW_ACTIONS[flow.type]?.includes(m[2]) || (subscription && form.str("subscription") !== subscription)) {
        throw new StripeApiError(400, { type: "invalid_request_error", message: "This action is not part of this portal link." });
      }
    }
    const notice = emu.withRequest({ id: null, idempotencyKey: null }, () => act(emu, session, config, m[2], form));
    redirect(res, flow ? afterCompletion(session, flow, notice) : `${back}notice=${encodeURIComponent(notice)}`);
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    redirect(res, `${back}error=${encodeURIComponent(err.body.message)}`);
  }
  return true;
}
