/**
 * `npm run stripe:trigger <event>`: the emulator's `stripe trigger`. Each scenario makes the real API calls (through
 * the official SDK, plus the emulator's control endpoints where a person or time would act) that lead Stripe to send
 * the event, creating the objects it needs; the whole sequence of events follows, as it would on Stripe.
 *
 * With `customer` (`--customer cus_…`, like `stripe trigger --override customer:cus_…`) the scenario acts on that
 * existing customer instead of creating one, so an app that knows the customer handles the events. Cards the
 * scenario needs are attached to the customer and set on the subscription it creates, never as the customer's
 * default; scenarios that need time to pass use the customer's test clock.
 */
import type Stripe from "stripe";

const DAY = 86_400;

interface TriggerContext {
  stripe: Stripe;
  /** The emulator's base URL, for `/_emulator/*` control calls. */
  baseUrl: string;
  eventType: string;
  /** The existing customer to act on (`--customer`); null creates a new one, as `stripe trigger` does. */
  customer: Stripe.Customer | null;
}

export interface TriggerOptions {
  /** An existing customer (`cus_…`) for the events to be about, instead of a new one. */
  customer?: string;
}

type Scenario = (ctx: TriggerContext) => Promise<void>;

async function control(ctx: TriggerContext, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${ctx.baseUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
}

/** What the Stripe CLI's fixtures write in descriptions. */
const CREATED_BY = "(created by Stripe CLI)";

/** The CLI fixtures' product (`myproduct`). */
function product(ctx: TriggerContext): Promise<Stripe.Product> {
  return ctx.stripe.products.create({ name: "myproduct", description: CREATED_BY });
}

/** The CLI fixtures' price: $15.00 a month (one-time with `recurring: false`). */
async function price(ctx: TriggerContext, recurring = true): Promise<Stripe.Price> {
  const p = await product(ctx);
  return ctx.stripe.prices.create({
    product: p.id,
    unit_amount: 1500,
    currency: "usd",
    ...(recurring ? { recurring: { interval: "month" } } : {}),
  });
}

/** A scenario that cannot act on an existing customer refuses `--customer` rather than ignoring it. */
function refuseCustomer(ctx: TriggerContext, why: string): void {
  if (ctx.customer) throw new Error(`${ctx.eventType} ${why}: run it without --customer.`);
}

/**
 * The customer the scenario acts on, with `card` attached: a new one (created with the card as its default in one
 * call, as the CLI's fixtures do), or the `--customer` one, whose default payment method is left alone
 * (`paymentMethod` is then set on what the scenario creates).
 */
async function customerWith(
  ctx: TriggerContext,
  card: string | null,
  testClock?: string,
): Promise<{ customer: Stripe.Customer; paymentMethod?: string }> {
  if (ctx.customer) {
    if (!card) return { customer: ctx.customer };
    const pm = await ctx.stripe.paymentMethods.attach(card, { customer: ctx.customer.id });
    return { customer: ctx.customer, paymentMethod: pm.id };
  }
  const customer = await ctx.stripe.customers.create({
    description: CREATED_BY,
    ...(card ? { payment_method: card, invoice_settings: { default_payment_method: card } } : {}),
    ...(testClock ? { test_clock: testClock } : {}),
  });
  return { customer };
}

/** customer → product → price → subscription, as the CLI's customer.subscription.created fixture. */
async function subscription(
  ctx: TriggerContext,
  card: string | null,
  extra: Partial<Stripe.SubscriptionCreateParams> = {},
  testClock?: string,
) {
  const { customer, paymentMethod } = await customerWith(ctx, card, testClock);
  const p = await price(ctx);
  return ctx.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: p.id }],
    ...(paymentMethod ? { default_payment_method: paymentMethod } : {}),
    ...extra,
  });
}

/** A test clock to advance: a new one, or the `--customer`'s own (a customer outside a test clock cannot skip time). */
async function clock(ctx: TriggerContext): Promise<Stripe.TestHelpers.TestClock> {
  if (ctx.customer) {
    const id = typeof ctx.customer.test_clock === "string" ? ctx.customer.test_clock : ctx.customer.test_clock?.id;
    if (!id)
      throw new Error(
        `${ctx.eventType} needs time to pass: --customer must name a customer created on a test clock (${ctx.customer.id} is not).`,
      );
    return ctx.stripe.testHelpers.testClocks.retrieve(id);
  }
  return ctx.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000), name: CREATED_BY });
}

const advance = (ctx: TriggerContext, clockId: string, to: number) =>
  ctx.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });

/** A payment-mode Checkout Session for 2 × a one-time $15.00 price, as the CLI's checkout.session.* fixtures. */
async function paymentCheckout(ctx: TriggerContext): Promise<Stripe.Checkout.Session> {
  const p = await price(ctx, false);
  return ctx.stripe.checkout.sessions.create({
    success_url: "https://httpbin.org/post",
    cancel_url: "https://httpbin.org/post",
    mode: "payment",
    ...(ctx.customer ? { customer: ctx.customer.id } : {}),
    line_items: [{ price: p.id, quantity: 2 }],
  });
}

/**
 * Each scenario follows the Stripe CLI's fixture for the event (github.com/stripe/stripe-cli pkg/fixtures/triggers):
 * the same requests in the same order, and nothing after the event asked for (a `customer.subscription.created`
 * trigger leaves the subscription active). Where the CLI's fixture uses an API the emulator does not have yet, the
 * README's "stripe:trigger" section says what the scenario does instead.
 */
const scenarios: Record<string, Scenario> = {
  customer: async (ctx) => {
    if (ctx.eventType === "customer.created") refuseCustomer(ctx, "creates a new customer");
    const { customer } = await customerWith(ctx, null);
    if (ctx.eventType === "customer.updated") await ctx.stripe.customers.update(customer.id, { metadata: { foo: "bar" } });
    if (ctx.eventType === "customer.deleted") await ctx.stripe.customers.del(customer.id);
  },
  product: async (ctx) => {
    refuseCustomer(ctx, "is not about a customer");
    if (ctx.eventType.startsWith("product.")) {
      const p = await product(ctx);
      if (ctx.eventType === "product.updated") await ctx.stripe.products.update(p.id, { metadata: { foo: "bar" } });
      return;
    }
    const p = await price(ctx);
    if (ctx.eventType === "price.updated") await ctx.stripe.prices.update(p.id, { metadata: { foo: "bar" } });
  },
  paymentMethod: async (ctx) => {
    const { customer } = await customerWith(ctx, null);
    const pm = await ctx.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    if (ctx.eventType === "payment_method.detached") await ctx.stripe.paymentMethods.detach(pm.id);
  },
  subscription: async (ctx) => {
    const sub = await subscription(ctx, "pm_card_visa");
    if (ctx.eventType === "customer.subscription.updated") await ctx.stripe.subscriptions.update(sub.id, { metadata: { foo: "bar" } });
    if (ctx.eventType === "customer.subscription.deleted") await ctx.stripe.subscriptions.cancel(sub.id);
  },
  trialWillEnd: async (ctx) => {
    await subscription(ctx, null, { trial_period_days: 1 });
  },
  paymentFailed: async (ctx) => {
    await subscription(ctx, "pm_card_chargeCustomerFail");
  },
  actionRequired: async (ctx) => {
    await subscription(ctx, "pm_card_authenticationRequired");
  },
  voided: async (ctx) => {
    const sub = await subscription(ctx, "pm_card_chargeCustomerFail");
    await ctx.stripe.invoices.voidInvoice(String(sub.latest_invoice));
  },
  uncollectible: async (ctx) => {
    const sub = await subscription(ctx, "pm_card_chargeCustomerFail");
    await ctx.stripe.invoices.markUncollectible(String(sub.latest_invoice));
  },
  checkoutCompleted: async (ctx) => {
    const session = await paymentCheckout(ctx);
    await control(ctx, `/_emulator/checkout/sessions/${session.id}/complete`, {
      card: "4242424242424242",
      email: "stripe@example.com",
      name: "Jenny Rosen",
    });
  },
  setupIntent: async (ctx) => {
    const { customer } = await customerWith(ctx, null);
    const session = await ctx.stripe.checkout.sessions.create({
      mode: "setup",
      customer: customer.id,
      currency: "usd",
      success_url: "https://httpbin.org/post",
    });
    await control(ctx, `/_emulator/checkout/sessions/${session.id}/complete`, { card: "4242424242424242" });
  },
  checkoutExpired: async (ctx) => {
    const session = await paymentCheckout(ctx);
    await ctx.stripe.checkout.sessions.expire(session.id);
  },
  upcoming: async (ctx) => {
    const c = await clock(ctx);
    const sub = await subscription(ctx, "pm_card_visa", {}, c.id);
    await advance(ctx, c.id, sub.items.data[0].current_period_end - 2 * DAY);
  },
  paused: async (ctx) => {
    // Only a trial that ends without a payment method pauses a subscription.
    if (ctx.customer?.invoice_settings.default_payment_method || ctx.customer?.default_source) {
      throw new Error(
        `${ctx.eventType} needs a customer without a payment method (a trial that ends without one pauses): ${ctx.customer.id} has one.`,
      );
    }
    const sub = await subscription(ctx, null, {
      trial_period_days: 7,
      trial_settings: { end_behavior: { missing_payment_method: "pause" } },
    });
    await ctx.stripe.subscriptions.update(sub.id, { trial_end: "now" });
    if (ctx.eventType !== "customer.subscription.resumed") return;
    // The CLI resumes without a payment method; the emulator's resume needs one (see the README), so a card is
    // attached first: as the subscription's default for --customer, the customer's otherwise.
    const pm = await ctx.stripe.paymentMethods.attach("pm_card_visa", { customer: String(sub.customer) });
    if (ctx.customer) await ctx.stripe.subscriptions.update(sub.id, { default_payment_method: pm.id });
    else await ctx.stripe.customers.update(String(sub.customer), { invoice_settings: { default_payment_method: pm.id } });
    await ctx.stripe.subscriptions.resume(sub.id);
  },
  schedule: async (ctx) => {
    const sub = await subscription(ctx, "pm_card_visa");
    const schedule = await ctx.stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    if (ctx.eventType === "subscription_schedule.updated")
      await ctx.stripe.subscriptionSchedules.update(schedule.id, { metadata: { foo: "bar" } });
    if (ctx.eventType === "subscription_schedule.released") await ctx.stripe.subscriptionSchedules.release(schedule.id);
    if (ctx.eventType === "subscription_schedule.canceled") await ctx.stripe.subscriptionSchedules.cancel(schedule.id);
  },
  scheduleExpiring: async (ctx) => {
    const c = await clock(ctx);
    const sub = await subscription(ctx, "pm_card_visa", {}, c.id);
    const schedule = await ctx.stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    await advance(ctx, c.id, (schedule.phases.at(-1)?.end_date ?? c.frozen_time) - 6 * DAY);
  },
  portalConfiguration: async (ctx) => {
    refuseCustomer(ctx, "is not about a customer");
    await ctx.stripe.billingPortal.configurations.create({
      business_profile: {
        headline: "created by the Stripe CLI",
        privacy_policy_url: "https://www.example.com",
        terms_of_service_url: "https://www.example.com",
      },
      features: { subscription_cancel: { enabled: true } },
    });
  },
  portalSession: async (ctx) => {
    const { customer } = await customerWith(ctx, null);
    await ctx.stripe.billingPortal.sessions.create({ customer: customer.id });
  },
};

/** The `--customer` customer, which must exist (and not be deleted). */
async function existingCustomer(stripe: Stripe, id: string): Promise<Stripe.Customer> {
  if (!/^cus_[A-Za-z0-9]+$/.test(id)) throw new Error(`--customer must be a customer id (cus_…), not "${id}".`);
  const found = await stripe.customers.retrieve(id).catch((err: unknown) => {
    if ((err as { code?: string }).code === "resource_missing") throw new Error(`No such customer: ${id}.`);
    throw err;
  });
  if (found.deleted) throw new Error(`Customer ${id} was deleted.`);
  return found;
}

/** Which scenario sends each event type. */
export const TRIGGERS: Record<string, keyof typeof scenarios> = {
  "customer.created": "customer",
  "customer.updated": "customer",
  "customer.deleted": "customer",
  "product.created": "product",
  "product.updated": "product",
  "price.created": "product",
  "price.updated": "product",
  "payment_method.attached": "paymentMethod",
  "payment_method.detached": "paymentMethod",
  "customer.subscription.created": "subscription",
  "customer.subscription.updated": "subscription",
  "customer.subscription.deleted": "subscription",
  "customer.subscription.trial_will_end": "trialWillEnd",
  "customer.subscription.paused": "paused",
  "customer.subscription.resumed": "paused",
  "invoice.created": "subscription",
  "invoice.finalized": "subscription",
  "invoice.paid": "subscription",
  "invoice.payment_succeeded": "subscription",
  "invoice_payment.paid": "subscription",
  "invoice.payment_failed": "paymentFailed",
  "invoice.updated": "paymentFailed",
  "invoice.payment_action_required": "actionRequired",
  "invoice.voided": "voided",
  "invoice.marked_uncollectible": "uncollectible",
  "invoice.upcoming": "upcoming",
  "payment_intent.created": "subscription",
  "payment_intent.succeeded": "subscription",
  "payment_intent.payment_failed": "paymentFailed",
  "payment_intent.requires_action": "actionRequired",
  "payment_intent.canceled": "voided",
  "charge.succeeded": "subscription",
  "charge.failed": "paymentFailed",
  "checkout.session.completed": "checkoutCompleted",
  "setup_intent.created": "setupIntent",
  "setup_intent.succeeded": "setupIntent",
  "checkout.session.expired": "checkoutExpired",
  "subscription_schedule.created": "schedule",
  "subscription_schedule.updated": "schedule",
  "subscription_schedule.released": "schedule",
  "subscription_schedule.canceled": "schedule",
  "subscription_schedule.expiring": "scheduleExpiring",
  "billing_portal.configuration.created": "portalConfiguration",
  "billing_portal.session.created": "portalSession",
};

/**
 * Run the scenario that sends `eventType` and return the events it produced, oldest first. Throws for an event type
 * no scenario sends, or if the scenario did not produce it.
 */
export async function triggerEvent(
  stripe: Stripe,
  baseUrl: string,
  eventType: string,
  options: TriggerOptions = {},
): Promise<Stripe.Event[]> {
  const scenario = TRIGGERS[eventType];
  if (!scenario) throw new Error(`No trigger for ${eventType}. Supported events:\n  ${Object.keys(TRIGGERS).sort().join("\n  ")}`);
  const customer = options.customer === undefined ? null : await existingCustomer(stripe, options.customer);
  // Events are listed newest first: everything above the newest one before the scenario is what it produced.
  const [newestBefore] = (await stripe.events.list({ limit: 1 })).data;
  await scenarios[scenario]({ stripe, baseUrl, eventType, customer });
  const produced: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) {
    if (event.id === newestBefore?.id) break;
    produced.push(event);
  }
  produced.reverse();
  if (!produced.some((e) => e.type === eventType)) {
    throw new Error(`The ${scenario} scenario did not produce ${eventType} (it sent ${produced.map((e) => e.type).join(", ")})`);
  }
  return produced;
}

export interface TriggerArgs {
  eventType?: string;
  customer?: string;
  list: boolean;
  error?: string;
}

/** `<event>` and `--customer cus_…` / `--customer=cus_…`, in any order; anything else is a usage error. */
export function parseTriggerArgs(argv: string[]): TriggerArgs {
  const out: TriggerArgs = { list: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--list" || arg === "--help" || arg === "-h") out.list = true;
    else if (arg === "--customer") {
      out.customer = argv[i + 1];
      i += 1;
      if (!out.customer || out.customer.startsWith("-")) return { ...out, error: "--customer needs a customer id (cus_…)." };
    } else if (arg.startsWith("--customer=")) out.customer = arg.slice("--customer=".length);
    else if (arg.startsWith("-")) return { ...out, error: `Unknown option ${arg}.` };
    else if (out.eventType) return { ...out, error: `One event at a time (got ${out.eventType} and ${arg}).` };
    else out.eventType = arg;
  }
  return out;
}
