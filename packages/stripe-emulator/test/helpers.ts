import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { expect } from "vitest";
import { emulatorStripeClient, startEmulator, type EmulatorHandle, type StartEmulatorOptions } from "../src/index";

export const WEBHOOK_SECRET = "whsec_test_lifecycle_secret";

export interface ReceivedWebhook {
  event: Stripe.Event;
  rawBody: string;
  signature: string;
  receivedAt: number;
}

/**
 * A tiny local webhook endpoint that verifies every delivery with the SDK's constructEvent. `respond` decides the
 * status code per request (default 200) so tests can simulate failures.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly verificationErrors: string[] = [];
  respond: (event: Stripe.Event, attempt: number) => number | Promise<number> = () => 200;
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | null = null;
  private readonly attempts = new Map<string, number>();
  url = "";

  constructor(
    private readonly stripe: Stripe,
    public secret: string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const rawBody = Buffer.concat(chunks).toString("utf8");
        const signature = String(req.headers["stripe-signature"] ?? "");
        let event: Stripe.Event;
        try {
          event = this.stripe.webhooks.constructEvent(rawBody, signature, this.secret);
        } catch (err) {
          this.verificationErrors.push(err instanceof Error ? err.message : String(err));
          res.writeHead(400).end();
          return;
        }
        const attempt = (this.attempts.get(event.id) ?? 0) + 1;
        this.attempts.set(event.id, attempt);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        void Promise.resolve(this.respond(event, attempt)).then((status) => {
          this.inFlight--;
          if (status >= 200 && status < 300) this.received.push({ event, rawBody, signature, receivedAt: Date.now() });
          res.writeHead(status, { "Content-Type": "application/json" }).end("{}");
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", () => resolve()));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/webhook`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  clear(): void {
    this.received.length = 0;
    this.verificationErrors.length = 0;
    this.attempts.clear();
    this.respond = () => 200;
    this.maxInFlight = 0;
  }

  types(filter?: (e: Stripe.Event) => boolean): string[] {
    return this.received
      .map((r) => r.event)
      .filter(filter ?? (() => true))
      .map((e) => e.type);
  }

  /** Events about one customer's objects, in delivery order. */
  forCustomer(customerId: string): Stripe.Event[] {
    return this.received.map((r) => r.event).filter((e) => relatesTo(e, customerId));
  }
}

function relatesTo(event: Stripe.Event, customerId: string): boolean {
  const object: object = event.data.object;
  if ("customer" in object && object.customer === customerId) return true;
  return "id" in object && object.id === customerId;
}

export interface TestEmulator {
  handle: EmulatorHandle;
  stripe: Stripe;
  receiver: WebhookReceiver;
  control(path: string, body?: unknown): Promise<Response>;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestEmulator(opts: StartEmulatorOptions = {}): Promise<TestEmulator> {
  const handle = await startEmulator({ port: 0, testMode: true, webhookSecret: WEBHOOK_SECRET, ...opts });
  const stripe = emulatorStripeClient(handle.url);
  const receiver = new WebhookReceiver(stripe, WEBHOOK_SECRET);
  await receiver.start();
  const control = (path: string, body?: unknown) =>
    fetch(`${handle.url}${path}`, {
      method: body === undefined && path === "/_emulator/deliveries" ? "GET" : "POST",
      headers: { "Content-Type": "application/json" },
      ...(body === undefined && path === "/_emulator/deliveries" ? {} : { body: JSON.stringify(body ?? {}) }),
    });
  await control("/_emulator/config", { webhookUrl: receiver.url });
  return {
    handle,
    stripe,
    receiver,
    control,
    flush: () => handle.flushDeliveries(),
    async stop() {
      await handle.stop();
      await receiver.stop();
    },
  };
}

export interface Plan {
  product: Stripe.Product;
  monthly: Stripe.Price;
  yearly: Stripe.Price;
}

export async function createPlan(stripe: Stripe, name: string, monthlyAmount: number, key = name.toLowerCase()): Promise<Plan> {
  const product = await stripe.products.create({ name, metadata: { plan: key } });
  const monthly = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: monthlyAmount,
    recurring: { interval: "month" },
    lookup_key: `${key}_${Math.random().toString(36).slice(2, 8)}_monthly`,
  });
  const yearly = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: monthlyAmount * 10,
    recurring: { interval: "year" },
  });
  return { product, monthly, yearly };
}

/** A customer on a fresh test clock frozen at `start`. */
export async function clockCustomer(stripe: Stripe, start: number, email = "clock@example.com") {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: "lifecycle" });
  const customer = await stripe.customers.create({ email, test_clock: clock.id, metadata: { userId: "user_1" } });
  return { clock, customer };
}

/** Checkout (subscription mode) paid through the control endpoint, as the hosted page would. */
export async function checkoutSubscription(
  env: TestEmulator,
  customer: string,
  price: string,
  card = "4242424242424242",
  trialDays?: number,
): Promise<Stripe.Subscription> {
  const session = await env.stripe.checkout.sessions.create({
    mode: "subscription",
    customer,
    client_reference_id: "user_1",
    line_items: [{ price, quantity: 1 }],
    success_url: "http://localhost/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost/cancel",
    ...(trialDays ? { subscription_data: { trial_period_days: trialDays, metadata: { userId: "user_1" } } } : {}),
  });
  const res = await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, { card });
  if (res.status !== 200) throw new Error(`checkout failed: ${res.status} ${await res.text()}`);
  const completed = await env.stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] });
  const sub = completed.subscription;
  if (!sub || typeof sub === "string") throw new Error("no subscription on session");
  return sub;
}

export const DAY = 86_400;
/** 2027-01-15T00:00:00Z — a fixed start so period arithmetic is deterministic. */
export const T0 = Date.UTC(2027, 0, 15) / 1000;

/** The StripeError the SDK throws for `promise` (fails the test if the call succeeds). */
export async function expectStripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Stripe.errors.StripeError);
    return err as Stripe.errors.StripeError;
  }
  throw new Error("expected the call to fail");
}

/** What Stripe sends, in the emulator's order, when an invoice is finalized and charged successfully. */
export const INVOICE_CHARGED_EVENTS = [
  "invoice.finalized",
  "payment_intent.created",
  "charge.succeeded",
  "payment_intent.succeeded",
  "invoice.paid",
  "invoice.payment_succeeded",
] as const;

/** The same for the first invoice of a new subscription, created and charged at once. */
export const FIRST_INVOICE_PAID_EVENTS = ["invoice.created", ...INVOICE_CHARGED_EVENTS] as const;
