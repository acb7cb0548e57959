import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { POST as discountRoute } from "@/app/api/billing/subscription/discount/route";
import { auditLog, billingCustomers, invoices, type User } from "@/db/schema";
import { getBillingOverview } from "@/lib/billing/overview";
import { lookupKeyFor } from "@/lib/billing/plans";
import { pricingOffer } from "@/lib/billing/promotions";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const DAY = 86_400;
/** 2027-01-15T00:00:00Z: after the wall clock, so codes expiring a day later can be created and then passed on a test clock. */
const T0 = Date.UTC(2027, 0, 15) / 1000;
const sessionIdFromUrl = (url: string) => /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1] as string;
let sequence = 0;
const uniqueCode = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence += 1)}`.toUpperCase();

describe.each(POOLED_DATABASE_KINDS)("promotion codes on %s", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  /** A user whose Stripe customer lives on a test clock frozen at T0. */
  async function clockedUser(): Promise<{ user: User; clockId: string; customerId: string }> {
    const user = await env.createUser();
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await env.stripe.customers.create({ email: user.email, test_clock: clock.id, metadata: { accountId: user.id } });
    await env.database.db.insert(billingCustomers).values({ accountId: user.id, providerCustomerId: customer.id, email: user.email });
    return { user, clockId: clock.id, customerId: customer.id };
  }

  async function advance(clockId: string, to: number) {
    await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    await env.flush();
  }

  async function promotion(
    options: {
      percentOff?: number;
      duration?: "once" | "repeating" | "forever";
      months?: number;
      max?: number;
      expiresAt?: number;
      firstTime?: boolean;
    } = {},
  ) {
    const coupon = await env.stripe.coupons.create({
      percent_off: options.percentOff ?? 20,
      duration: options.duration ?? "repeating",
      ...(options.duration === "repeating" || !options.duration ? { duration_in_months: options.months ?? 3 } : {}),
      name: "Launch",
    });
    return env.stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.id },
      code: uniqueCode("PROMO"),
      ...(options.max ? { max_redemptions: options.max } : {}),
      ...(options.expiresAt ? { expires_at: options.expiresAt } : {}),
      ...(options.firstTime ? { restrictions: { first_time_transaction: true } } : {}),
    });
  }

  async function checkout(user: User, body: Record<string, unknown>) {
    const res = await checkoutRoute(
      await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan: "scale", interval: "month", ...body } }),
    );
    return {
      status: res.status,
      body: (await res.json()) as { url?: string; error?: string; message?: string; details?: Record<string, unknown> },
    };
  }

  async function pay(url: string) {
    const done = await env.emulatorControl(`/_emulator/checkout/sessions/${sessionIdFromUrl(url)}/complete`, { card: "4242424242424242" });
    expect(done.status).toBe(200);
    await env.flush();
  }

  const sessionsOf = async (customerId: string) =>
    (await env.stripe.checkout.sessions.list({ customer: customerId, limit: 100 })).data.length;
  const customerOf = async (userId: string) =>
    (await env.database.db.select().from(billingCustomers).where(eq(billingCustomers.accountId, userId)))[0]?.providerCustomerId;

  it("a valid code discounts the Checkout session and its first invoice", async () => {
    const user = await env.createUser();
    const code = await promotion({ percentOff: 20, months: 3 });
    const res = await checkout(user, { promotionCode: code.code.toLowerCase() });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const session = await env.stripe.checkout.sessions.retrieve(sessionIdFromUrl(res.body.url as string));
    expect(session.discounts).toEqual([expect.objectContaining({ promotion_code: code.id })]);
    expect(session.allow_promotion_codes).toBeFalsy();
    expect(session.amount_subtotal).toBe(9_900);
    expect(session.amount_total).toBe(7_920);
    await pay(res.body.url as string);
    const [invoice] = await env.database.db.select().from(invoices).where(eq(invoices.accountId, user.id));
    expect(invoice).toMatchObject({ status: "paid", total: 7_920, amountPaid: 7_920 });
    expect((await env.stripe.promotionCodes.retrieve(code.id)).times_redeemed).toBe(1);
  });

  it("the pricing page's offer (?promo=) is checked in Stripe: a redeemable code in words, anything else none", async () => {
    const code = await promotion({ percentOff: 20, months: 3 });
    expect(await pricingOffer(code.code.toLowerCase())).toMatchObject({
      code: code.code,
      label: "20% off for 3 months",
      couponName: "Launch",
    });
    const inactive = await promotion();
    await env.stripe.promotionCodes.update(inactive.id, { active: false });
    expect(await pricingOffer(inactive.code)).toBeNull();
    expect(await pricingOffer("NO-SUCH-OFFER")).toBeNull();
    expect(await pricingOffer("<script>")).toBeNull();
    expect(await pricingOffer(null)).toBeNull();
  });

  it("without a code, Checkout still offers the promotion-code field", async () => {
    const user = await env.createUser();
    const res = await checkout(user, {});
    expect(res.status).toBe(200);
    const session = await env.stripe.checkout.sessions.retrieve(sessionIdFromUrl(res.body.url as string));
    expect(session.allow_promotion_codes).toBe(true);
    expect(session.discounts ?? []).toEqual([]);
  });

  it("refuses unknown, inactive, expired, exhausted and first-time-only (returning customer) codes with Stripe's reason, making no session", async () => {
    const expectRefused = async (user: User, customerId: string, promotionCode: string, message: string) => {
      const before = await sessionsOf(customerId);
      const res = await checkout(user, { promotionCode });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body).toMatchObject({ error: "invalid_promotion_code", message });
      expect(await sessionsOf(customerId)).toBe(before);
    };
    const { user, clockId, customerId } = await clockedUser();

    await expectRefused(user, customerId, "NO-SUCH-CODE", "This code is invalid.");

    const inactive = await promotion();
    await env.stripe.promotionCodes.update(inactive.id, { active: false });
    await expectRefused(user, customerId, inactive.code, "This promotion code cannot be redeemed because it is inactive.");

    const exhausted = await promotion({ max: 1 });
    const other = await env.stripe.customers.create({ email: "other@example.com" });
    await env.stripe.paymentMethods.attach("pm_card_visa", { customer: other.id });
    const price = (await env.stripe.prices.list({ lookup_keys: [lookupKeyFor("scale", "month")], active: true })).data[0];
    await env.stripe.subscriptions.create({
      customer: other.id,
      items: [{ price: price.id }],
      default_payment_method: "pm_card_visa",
      discounts: [{ promotion_code: exhausted.id }],
    });
    await expectRefused(
      user,
      customerId,
      exhausted.code,
      "This promotion code cannot be redeemed because it has been used the maximum number of times.",
    );

    // Expiry is judged at Stripe's time for the customer: its test clock.
    const expiring = await promotion({ expiresAt: T0 + DAY });
    await advance(clockId, T0 + 2 * DAY);
    await expectRefused(user, customerId, expiring.code, "This promotion code cannot be redeemed because it has expired.");

    // A customer who paid before is not a first-time customer.
    const firstTime = await promotion({ firstTime: true });
    const returning = await env.createUser();
    const paid = await checkout(returning, {});
    await pay(paid.body.url as string);
    const returningCustomer = (await customerOf(returning.id)) as string;
    const [live] = (await env.stripe.subscriptions.list({ customer: returningCustomer })).data;
    await env.stripe.subscriptions.cancel(live.id);
    await env.flush();
    await expectRefused(
      returning,
      returningCustomer,
      firstTime.code,
      "This promotion code cannot be redeemed because the associated customer has prior transactions.",
    );
    // … while a new customer may use it.
    expect((await checkout(await env.createUser(), { promotionCode: firstTime.code })).status).toBe(200);

    // Malformed input is a plain 400, before Stripe is asked.
    const malformed = await checkout(user, { promotionCode: "no spaces; please" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe("bad_request");
  });

  it("a code applied to a running subscription discounts the renewal exactly as Stripe's preview said, audited", async () => {
    const { user, clockId, customerId } = await clockedUser();
    const res = await checkout(user, {});
    await pay(res.body.url as string);
    const [subscription] = (await env.stripe.subscriptions.list({ customer: customerId })).data;
    const periodEnd = subscription.items.data[0].current_period_end;

    const apply = async (promotionCode: string) => {
      const response = await discountRoute(
        await requestAs(user.id, "/api/billing/subscription/discount", { method: "POST", body: { promotionCode } }),
      );
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await apply("NOPE-NOPE")).toMatchObject({ status: 400, body: { error: "invalid_promotion_code" } });

    const code = await promotion({ percentOff: 25, duration: "forever" });
    const applied = await apply(code.code);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body).toMatchObject({
      discounts: [{ code: code.code, percentOff: 25, duration: "forever", label: "25% off forever", couponName: "Launch" }],
      nextInvoice: { subtotal: 9_900, totalDiscount: 2_475, total: 7_425, amountDue: 7_425, currency: "usd" },
    });
    // Applying it again changes nothing and redeems nothing twice.
    expect((await apply(code.code)).status).toBe(200);
    expect((await env.stripe.promotionCodes.retrieve(code.id)).times_redeemed).toBe(1);
    const audit = await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, user.id));
    expect(audit.filter((row) => row.action === "subscription.discount_applied")).toEqual([
      expect.objectContaining({
        actorUserId: user.id,
        targetType: "account",
        data: expect.objectContaining({ promotionCodeId: code.id, subscriptionId: subscription.id }),
      }),
    ]);

    // The billing page reads the same discount and preview.
    const overview = await getBillingOverview(user.id, "owner", { invoicePageSize: 5 });
    expect(overview.discounts).toEqual(applied.body);

    const preview = applied.body.nextInvoice as { total: number; amountDue: number };
    await advance(clockId, periodEnd + 2 * 3600);
    const renewal = (await env.database.db.select().from(invoices).where(eq(invoices.accountId, user.id))).find(
      (i) => i.billingReason === "subscription_cycle",
    );
    expect(renewal).toMatchObject({ status: "paid", total: preview.total, amountPaid: preview.amountDue });
  });
});
