/**
 * `npm run stripe:trigger <event>`: the emulator's `stripe trigger`. Each scenario makes the real API calls (through
 * the official SDK, plus the emulator's control endpoints where a person or time would act) that lead Stripe to send
 * the event, creating the objects it needs; the whole sequence of events follows, as it would on Stripe.
 */
import type Stripe from 'stripe';

const DAY = 86_400;

interface TriggerContext {
  stripe: Stripe;
  /** The emulator's base URL, for `/_emulator/*` control calls. */
  baseUrl: string;
}

type Scenario = (ctx: TriggerContext) => Promise<void>;

async function control(ctx: TriggerContext, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${ctx.baseUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
}

async function price(ctx: TriggerContext): Promise<Stripe.Price> {
  return ctx.stripe.prices.create({
    currency: 'usd',
    unit_amount: 2000,
    recurring: { interval: 'month' },
    product_data: { name: 'myproduct (stripe trigger)' },
  });
}

async function customerWith(ctx: TriggerContext, card: string | null, testClock?: string): Promise<Stripe.Customer> {
  const customer = await ctx.stripe.customers.create({ email: 'trigger@example.com', description: '(created by stripe trigger)', ...(testClock ? { test_clock: testClock } : {}) });
  if (!card) return customer;
  const pm = await ctx.stripe.paymentMethods.attach(card, { customer: customer.id });
  return ctx.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
}

async function subscription(ctx: TriggerContext, card: string | null, extra: Partial<Stripe.SubscriptionCreateParams> = {}, testClock?: string) {
  const customer = await customerWith(ctx, card, testClock);
  const p = await price(ctx);
  return ctx.stripe.subscriptions.create({ customer: customer.id, items: [{ price: p.id }], ...extra });
}

async function clock(ctx: TriggerContext): Promise<Stripe.TestHelpers.TestClock> {
  return ctx.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000), name: 'stripe trigger' });
}

const advance = (ctx: TriggerContext, clockId: string, to: number) => ctx.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });

const scenarios: Record<string, Scenario> = {
  customer: async (ctx) => {
    const customer = await customerWith(ctx, null);
    await ctx.stripe.customers.update(customer.id, { metadata: { triggered: 'true' } });
    await ctx.stripe.customers.del(customer.id);
  },
  product: async (ctx) => {
    const p = await price(ctx);
    await ctx.stripe.prices.update(p.id, { metadata: { triggered: 'true' } });
    await ctx.stripe.products.update(String(p.product), { metadata: { triggered: 'true' } });
  },
  paymentMethod: async (ctx) => {
    const customer = await customerWith(ctx, null);
    const pm = await ctx.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await ctx.stripe.paymentMethods.detach(pm.id);
  },
  subscription: async (ctx) => {
    const sub = await subscription(ctx, 'pm_card_visa');
    await ctx.stripe.subscriptions.update(sub.id, { metadata: { triggered: 'true' } });
    await ctx.stripe.subscriptions.cancel(sub.id);
  },
  trialWillEnd: async (ctx) => {
    await subscription(ctx, 'pm_card_visa', { trial_period_days: 1 });
  },
  paymentFailed: async (ctx) => {
    await subscription(ctx, 'pm_card_chargeCustomerFail');
  },
  actionRequired: async (ctx) => {
    await subscription(ctx, 'pm_card_authenticationRequired');
  },
  voided: async (ctx) => {
    const sub = await subscription(ctx, 'pm_card_chargeCustomerFail');
    await ctx.stripe.invoices.voidInvoice(String(sub.latest_invoice));
  },
  uncollectible: async (ctx) => {
    const sub = await subscription(ctx, 'pm_card_chargeCustomerFail');
    await ctx.stripe.invoices.markUncollectible(String(sub.latest_invoice));
  },
  checkoutCompleted: async (ctx) => {
    const customer = await customerWith(ctx, null);
    const p = await price(ctx);
    const session = await ctx.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: p.id, quantity: 1 }],
      success_url: 'https://example.com/success',
    });
    await control(ctx, `/_emulator/checkout/sessions/${session.id}/complete`, { card: '4242424242424242' });
  },
  setupIntent: async (ctx) => {
    const customer = await customerWith(ctx, null);
    const session = await ctx.stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      currency: 'usd',
      success_url: 'https://example.com/success',
    });
    await control(ctx, `/_emulator/checkout/sessions/${session.id}/complete`, { card: '4242424242424242' });
  },
  checkoutExpired: async (ctx) => {
    const p = await price(ctx);
    const session = await ctx.stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: p.id, quantity: 1 }], success_url: 'https://example.com/success' });
    await ctx.stripe.checkout.sessions.expire(session.id);
  },
  upcoming: async (ctx) => {
    const c = await clock(ctx);
    const sub = await subscription(ctx, 'pm_card_visa', {}, c.id);
    await advance(ctx, c.id, sub.items.data[0].current_period_end - 2 * DAY);
  },
  paused: async (ctx) => {
    const c = await clock(ctx);
    const sub = await subscription(ctx, null, { trial_period_days: 1, trial_settings: { end_behavior: { missing_payment_method: 'pause' } } }, c.id);
    await advance(ctx, c.id, c.frozen_time + 2 * DAY);
    const pm = await ctx.stripe.paymentMethods.attach('pm_card_visa', { customer: String(sub.customer) });
    await ctx.stripe.customers.update(String(sub.customer), { invoice_settings: { default_payment_method: pm.id } });
    await ctx.stripe.subscriptions.resume(sub.id, { billing_cycle_anchor: { type: 'now' } });
  },
  schedule: async (ctx) => {
    const sub = await subscription(ctx, 'pm_card_visa');
    const schedule = await ctx.stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    await ctx.stripe.subscriptionSchedules.update(schedule.id, { metadata: { triggered: 'true' } });
    await ctx.stripe.subscriptionSchedules.release(schedule.id);
    const other = await subscription(ctx, 'pm_card_visa');
    const toCancel = await ctx.stripe.subscriptionSchedules.create({ from_subscription: other.id });
    await ctx.stripe.subscriptionSchedules.cancel(toCancel.id);
  },
  scheduleExpiring: async (ctx) => {
    const c = await clock(ctx);
    const sub = await subscription(ctx, 'pm_card_visa', {}, c.id);
    const schedule = await ctx.stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    await advance(ctx, c.id, (schedule.phases.at(-1)?.end_date ?? c.frozen_time) - 6 * DAY);
  },
  portal: async (ctx) => {
    const customer = await customerWith(ctx, null);
    const configuration = await ctx.stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } });
    await ctx.stripe.billingPortal.sessions.create({ customer: customer.id, configuration: configuration.id });
  },
};

/** Which scenario sends each event type. */
export const TRIGGERS: Record<string, keyof typeof scenarios> = {
  'customer.created': 'customer',
  'customer.updated': 'customer',
  'customer.deleted': 'customer',
  'product.created': 'product',
  'product.updated': 'product',
  'price.created': 'product',
  'price.updated': 'product',
  'payment_method.attached': 'paymentMethod',
  'payment_method.detached': 'paymentMethod',
  'customer.subscription.created': 'subscription',
  'customer.subscription.updated': 'subscription',
  'customer.subscription.deleted': 'subscription',
  'customer.subscription.trial_will_end': 'trialWillEnd',
  'customer.subscription.paused': 'paused',
  'customer.subscription.resumed': 'paused',
  'invoice.created': 'subscription',
  'invoice.finalized': 'subscription',
  'invoice.paid': 'subscription',
  'invoice.payment_succeeded': 'subscription',
  'invoice_payment.paid': 'subscription',
  'invoice.payment_failed': 'paymentFailed',
  'invoice.updated': 'paymentFailed',
  'invoice.payment_action_required': 'actionRequired',
  'invoice.voided': 'voided',
  'invoice.marked_uncollectible': 'uncollectible',
  'invoice.upcoming': 'upcoming',
  'payment_intent.created': 'subscription',
  'payment_intent.succeeded': 'subscription',
  'payment_intent.payment_failed': 'paymentFailed',
  'payment_intent.requires_action': 'actionRequired',
  'payment_intent.canceled': 'voided',
  'charge.succeeded': 'subscription',
  'charge.failed': 'paymentFailed',
  'checkout.session.completed': 'checkoutCompleted',
  'setup_intent.created': 'setupIntent',
  'setup_intent.succeeded': 'setupIntent',
  'checkout.session.expired': 'checkoutExpired',
  'subscription_schedule.created': 'schedule',
  'subscription_schedule.updated': 'schedule',
  'subscription_schedule.released': 'schedule',
  'subscription_schedule.canceled': 'schedule',
  'subscription_schedule.expiring': 'scheduleExpiring',
  'billing_portal.configuration.created': 'portal',
  'billing_portal.session.created': 'portal',
};

/**
 * Run the scenario that sends `eventType` and return the events it produced, oldest first. Throws for an event type
 * no scenario sends, or if the scenario did not produce it.
 */
export async function triggerEvent(stripe: Stripe, baseUrl: string, eventType: string): Promise<Stripe.Event[]> {
  const scenario = TRIGGERS[eventType];
  if (!scenario) throw new Error(`No trigger for ${eventType}. Supported events:\n  ${Object.keys(TRIGGERS).sort().join('\n  ')}`);
  // Events are listed newest first: everything above the newest one before the scenario is what it produced.
  const [newestBefore] = (await stripe.events.list({ limit: 1 })).data;
  await scenarios[scenario]({ stripe, baseUrl });
  const produced: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) {
    if (event.id === newestBefore?.id) break;
    produced.push(event);
  }
  produced.reverse();
  if (!produced.some((e) => e.type === eventType)) {
    throw new Error(`The ${scenario} scenario did not produce ${eventType} (it sent ${produced.map((e) => e.type).join(', ')})`);
  }
  return produced;
}
