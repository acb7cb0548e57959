import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { DAY, T0, clockCustomer, createPlan, expectStripeError, startTestEmulator, type Plan, type TestEmulator } from "./helpers";

let env: TestEmulator;
let stripe: Stripe;
let basic: Plan;
let other: Plan;

beforeAll(async () => {
  env = await startTestEmulator();
  stripe = env.stripe;
  basic = await createPlan(stripe, "Basic", 1000);
  other = await createPlan(stripe, "Other", 500);
});
afterAll(async () => {
  await env.stop();
});
beforeEach(async () => {
  await env.flush();
  env.receiver.clear();
});

const FUTURE = Math.floor(Date.now() / 1000) + 365 * DAY;
const MONTHS = [Date.UTC(2027, 1, 15), Date.UTC(2027, 2, 15), Date.UTC(2027, 3, 15), Date.UTC(2027, 4, 15)].map((ms) => ms / 1000);

async function advance(clockId: string, to: number): Promise<void> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  await env.flush();
}

async function invoicesOf(customer: string): Promise<Stripe.Invoice[]> {
  const list = await stripe.invoices.list({ customer, limit: 100 });
  return [...list.data].reverse();
}

function discountIdOf(ref: string | Stripe.Discount | Stripe.DeletedDiscount): string {
  return typeof ref === "string" ? ref : ref.id;
}

describe("coupons", () => {
  it("create, retrieve, update name and metadata, list, delete", async () => {
    const coupon = await stripe.coupons.create({
      percent_off: 25,
      duration: "repeating",
      duration_in_months: 3,
      name: "Quarter off",
      max_redemptions: 5,
      redeem_by: FUTURE,
    });
    expect(coupon).toMatchObject({
      object: "coupon",
      percent_off: 25,
      amount_off: null,
      currency: null,
      duration: "repeating",
      duration_in_months: 3,
      max_redemptions: 5,
      redeem_by: FUTURE,
      times_redeemed: 0,
      valid: true,
      name: "Quarter off",
      livemode: false,
    });
    expect(coupon.id).toMatch(/^[A-Za-z0-9]{8}$/);
    const named = await stripe.coupons.create({ id: "TENOFF", amount_off: 1000, currency: "USD" });
    expect(named).toMatchObject({ id: "TENOFF", amount_off: 1000, currency: "usd", duration: "once", percent_off: null });

    const updated = await stripe.coupons.update(coupon.id, { name: "Renamed", metadata: { campaign: "spring" } });
    expect(updated).toMatchObject({ name: "Renamed", metadata: { campaign: "spring" }, percent_off: 25 });
    expect((await stripe.coupons.retrieve(coupon.id)).name).toBe("Renamed");
    const listed = await stripe.coupons.list({ limit: 100 });
    expect(listed.data.map((c) => c.id)).toEqual(expect.arrayContaining([coupon.id, "TENOFF"]));

    const deleted = await stripe.coupons.del("TENOFF");
    expect(deleted).toEqual({ id: "TENOFF", object: "coupon", deleted: true });
    const gone = await expectStripeError(stripe.coupons.retrieve("TENOFF"));
    expect(gone.statusCode).toBe(404);
    expect(gone.message).toBe("No such coupon: 'TENOFF'");
    await env.flush();
    expect(env.receiver.types((e) => e.type.startsWith("coupon."))).toEqual([
      "coupon.created",
      "coupon.created",
      "coupon.updated",
      "coupon.deleted",
    ]);
  });

  it("refuses invalid coupons with Stripe errors and creates nothing", async () => {
    const before = (await stripe.coupons.list({ limit: 100 })).data.length;
    const neither = await expectStripeError(stripe.coupons.create({ duration: "once" }));
    expect(neither.statusCode).toBe(400);
    expect(neither.message).toMatch(/amount_off.*percent_off/);
    const both = await expectStripeError(stripe.coupons.create({ percent_off: 10, amount_off: 100, currency: "usd" }));
    expect(both.message).toBe("You may only specify one of these parameters: amount_off, percent_off.");
    const noCurrency = await expectStripeError(stripe.coupons.create({ amount_off: 100 }));
    expect(noCurrency).toMatchObject({ code: "parameter_missing", param: "currency" });
    const noMonths = await expectStripeError(stripe.coupons.create({ percent_off: 10, duration: "repeating" }));
    expect(noMonths).toMatchObject({ code: "parameter_missing", param: "duration_in_months" });
    const monthsOnce = await expectStripeError(stripe.coupons.create({ percent_off: 10, duration: "once", duration_in_months: 2 }));
    expect(monthsOnce.param).toBe("duration_in_months");
    const tooMuch = await expectStripeError(stripe.coupons.create({ percent_off: 150 }));
    expect(tooMuch.param).toBe("percent_off");
    const past = await expectStripeError(stripe.coupons.create({ percent_off: 10, redeem_by: 1_000_000 }));
    expect(past.message).toBe("Invalid timestamp: must be an integer Unix timestamp in the future.");
    const noProduct = await expectStripeError(stripe.coupons.create({ percent_off: 10, applies_to: { products: ["prod_missing"] } }));
    expect(noProduct).toMatchObject({ code: "resource_missing", param: "applies_to[products][0]" });
    await stripe.coupons.create({ id: "DUP", percent_off: 5 });
    const dup = await expectStripeError(stripe.coupons.create({ id: "DUP", percent_off: 5 }));
    expect(dup).toMatchObject({ code: "resource_already_exists", message: "Coupon already exists." });
    const unsupported = await expectStripeError(
      stripe.coupons.create({ amount_off: 100, currency: "usd", currency_options: { eur: { amount_off: 90 } } }),
    );
    expect(unsupported.message).toMatch(/not supported by the emulator/);
    expect((await stripe.coupons.list({ limit: 100 })).data.length).toBe(before + 1);
  });
});

describe("promotion codes", () => {
  it("reference their coupon as promotion.coupon (this API version), expandable; list filters; update active", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 15 });
    const promo = await stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.id },
      code: "SPRING15",
      metadata: { a: "1" },
    });
    expect(promo).toMatchObject({
      object: "promotion_code",
      code: "SPRING15",
      active: true,
      customer: null,
      expires_at: null,
      max_redemptions: null,
      times_redeemed: 0,
      promotion: { type: "coupon", coupon: coupon.id },
      restrictions: { first_time_transaction: false, minimum_amount: null, minimum_amount_currency: null },
    });
    expect(promo.id).toMatch(/^promo_/);
    const expanded = await stripe.promotionCodes.retrieve(promo.id, { expand: ["promotion.coupon"] });
    expect(expanded.promotion.coupon).toMatchObject({ id: coupon.id, object: "coupon", percent_off: 15 });
    const generated = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id } });
    expect(generated.code).toMatch(/^[A-Z0-9]{8}$/);

    const dup = await expectStripeError(
      stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "spring15" }),
    );
    expect(dup.code).toBe("resource_already_exists");
    const noCoupon = await expectStripeError(stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: "nope" } }));
    expect(noCoupon).toMatchObject({ statusCode: 400, code: "resource_missing", param: "promotion[coupon]" });
    const minimumAlone = await expectStripeError(
      stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, restrictions: { minimum_amount: 500 } }),
    );
    expect(minimumAlone.param).toBe("restrictions[minimum_amount_currency]");

    expect((await stripe.promotionCodes.list({ code: "spring15" })).data.map((p) => p.id)).toEqual([promo.id]);
    expect((await stripe.promotionCodes.list({ coupon: coupon.id })).data).toHaveLength(2);
    const off = await stripe.promotionCodes.update(promo.id, { active: false });
    expect(off.active).toBe(false);
    expect((await stripe.promotionCodes.list({ coupon: coupon.id, active: true })).data.map((p) => p.id)).toEqual([generated.id]);
    await env.flush();
    expect(env.receiver.types((e) => e.type.startsWith("promotion_code."))).toEqual([
      "promotion_code.created",
      "promotion_code.created",
      "promotion_code.updated",
    ]);
  });

  it("restrictions refuse redemption with Stripe messages: customer, minimum amount, first-time, inactive, expired, exhausted", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: "forever" });
    const customer = await stripe.customers.create({ email: "promo@example.com" });
    const someoneElse = await stripe.customers.create({ email: "else@example.com" });
    const create = (code: string, extra: Partial<Stripe.PromotionCodeCreateParams>) =>
      stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code, ...extra });
    const subscribe = (cust: string, promotion_code: string) =>
      stripe.subscriptions.create({
        customer: cust,
        items: [{ price: basic.monthly.id }],
        default_payment_method: "pm_card_visa",
        discounts: [{ promotion_code }],
      });

    const mine = await create("ONLYME", { customer: customer.id });
    const wrongCustomer = await expectStripeError(subscribe(someoneElse.id, mine.id));
    expect(wrongCustomer).toMatchObject({ statusCode: 400, param: "discounts[0][promotion_code]" });
    expect(wrongCustomer.message).toMatch(/^This promotion code cannot be redeemed because/);

    const big = await create("BIGSPEND", { restrictions: { minimum_amount: 5000, minimum_amount_currency: "usd" } });
    const tooSmall = await expectStripeError(subscribe(customer.id, big.id));
    expect(tooSmall.message).toBe(
      "This promotion code cannot be redeemed because the associated purchase does not meet the minimum amount requirement.",
    );

    const inactive = await create("SLEEPY", { active: false });
    expect((await expectStripeError(subscribe(customer.id, inactive.id))).message).toMatch(/cannot be redeemed because it is inactive/);

    const once = await create("ONCEONLY", { max_redemptions: 1 });
    const firstTime = await create("NEWBIE", { restrictions: { first_time_transaction: true } });
    // A first-time customer may use NEWBIE; the ONCEONLY code is used up by its first redemption.
    const sub = await subscribe(customer.id, once.id);
    expect(sub.discounts).toHaveLength(1);
    expect((await stripe.promotionCodes.retrieve(once.id)).times_redeemed).toBe(1);
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
    const exhausted = await expectStripeError(subscribe(someoneElse.id, once.id));
    expect(exhausted.message).toBe("This promotion code cannot be redeemed because it has been used the maximum number of times.");
    // The customer has now paid an invoice: a first-time code is refused.
    const notFirst = await expectStripeError(subscribe(customer.id, firstTime.id));
    expect(notFirst).toMatchObject({
      code: "promotion_code_customer_not_first_time",
      message: "This promotion code cannot be redeemed because the associated customer has prior transactions.",
    });
    const subs = await stripe.subscriptions.list({ customer: someoneElse.id });
    expect(subs.data).toHaveLength(0);
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });

  it("an expired code and an exhausted coupon are refused", async () => {
    const start = T0;
    const { clock, customer } = await clockCustomer(stripe, start, "expiry@example.com");
    await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    const coupon = await stripe.coupons.create({ percent_off: 50, max_redemptions: 1 });
    const promo = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, expires_at: FUTURE - DAY });
    const late = await stripe.coupons.create({ percent_off: 5 });
    const latePromo = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: late.id }, expires_at: start + DAY });
    await advance(clock.id, start + 2 * DAY);
    const expired = await expectStripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: basic.monthly.id }],
        default_payment_method: "pm_card_visa",
        discounts: [{ promotion_code: latePromo.id }],
      }),
    );
    expect(expired.message).toBe("This promotion code cannot be redeemed because it has expired.");

    await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.monthly.id }],
      default_payment_method: "pm_card_visa",
      discounts: [{ coupon: coupon.id }],
    });
    const used = await stripe.coupons.retrieve(coupon.id);
    expect(used).toMatchObject({ times_redeemed: 1, valid: false });
    const second = await expectStripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: other.monthly.id }],
        default_payment_method: "pm_card_visa",
        discounts: [{ coupon: coupon.id }],
      }),
    );
    expect(second).toMatchObject({ statusCode: 400, message: `Coupon expired: ${coupon.id}`, param: "discounts[0][coupon]" });
    // Past redeem_by (at the customer's test-clock time) the coupon cannot be redeemed either.
    const now = Math.floor(Date.now() / 1000);
    const soon = await stripe.coupons.create({ percent_off: 5, redeem_by: now + DAY });
    expect(soon.valid).toBe(true);
    const later = await clockCustomer(stripe, now + 10 * DAY, "later@example.com");
    const afterRedeemBy = await expectStripeError(
      stripe.subscriptions.create({
        customer: later.customer.id,
        items: [{ price: basic.monthly.id }],
        default_payment_method: "pm_card_visa",
        discounts: [{ coupon: soon.id }],
      }),
    );
    expect(afterRedeemBy.message).toBe(`Coupon expired: ${soon.id}`);
    expect((await stripe.coupons.retrieve(soon.id)).times_redeemed).toBe(0);
    const viaCode = await expectStripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: other.monthly.id }],
        default_payment_method: "pm_card_visa",
        discounts: [{ promotion_code: promo.id }],
      }),
    );
    expect(viaCode.message).toBe(`Coupon expired: ${coupon.id}`);
  });
});

describe("discounts on subscriptions", () => {
  it("20% repeating for 3 months: three discounted invoices, then full price; previews match the invoices", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0, "repeating@example.com");
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 3 });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.monthly.id }],
      default_payment_method: "pm_card_visa",
      discounts: [{ coupon: coupon.id }],
    });
    expect(sub.discounts).toHaveLength(1);
    const discount = await stripe.subscriptions.retrieve(sub.id, { expand: ["discounts"] }).then((s) => s.discounts[0]);
    if (typeof discount === "string") throw new Error("not expanded");
    expect(discount).toMatchObject({
      object: "discount",
      subscription: sub.id,
      customer: customer.id,
      promotion_code: null,
      start: T0,
      end: MONTHS[2],
      source: { type: "coupon", coupon: coupon.id },
    });
    expect(discount.id).toMatch(/^di_/);

    const previews: number[] = [];
    for (const month of MONTHS) {
      const preview = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
      previews.push(preview.total);
      await advance(clock.id, month + 2 * 3600);
    }
    const invoices = await invoicesOf(customer.id);
    expect(invoices.map((i) => i.billing_reason)).toEqual([
      "subscription_create",
      "subscription_cycle",
      "subscription_cycle",
      "subscription_cycle",
      "subscription_cycle",
    ]);
    expect(invoices.map((i) => i.subtotal)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(invoices.map((i) => i.total)).toEqual([800, 800, 800, 1000, 1000]);
    expect(invoices.map((i) => i.amount_paid)).toEqual([800, 800, 800, 1000, 1000]);
    // Each renewal's preview, taken the month before, showed what that renewal then invoiced.
    expect(previews).toEqual(invoices.slice(1).map((i) => i.total));
    const first = invoices[0];
    expect(first.discounts.map(discountIdOf)).toEqual([discount.id]);
    expect(first.total_discount_amounts).toEqual([{ amount: 200, discount: discount.id }]);
    expect(first.lines.data[0].discount_amounts).toEqual([{ amount: 200, discount: discount.id }]);
    expect(invoices[3].discounts).toEqual([]);
    expect(invoices[3].total_discount_amounts).toEqual([]);

    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.discounts).toEqual([]);
    expect(
      env.receiver
        .forCustomer(customer.id)
        .map((e) => e.type)
        .filter((t) => t.startsWith("customer.discount.")),
    ).toEqual(["customer.discount.created", "customer.discount.deleted"]);
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });

  it("once: only the first invoice; forever: every invoice; amount_off capped at the subtotal", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0, "once@example.com");
    const once = await stripe.coupons.create({ amount_off: 300, currency: "usd", duration: "once" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.monthly.id }],
      default_payment_method: "pm_card_visa",
      discounts: [{ coupon: once.id }],
    });
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([]);
    await advance(clock.id, MONTHS[0] + 2 * 3600);
    expect((await invoicesOf(customer.id)).map((i) => i.total)).toEqual([700, 1000]);

    const forever = await stripe.coupons.create({ amount_off: 5000, currency: "usd", duration: "forever" });
    const updated = await stripe.subscriptions.update(sub.id, { discounts: [{ coupon: forever.id }] });
    expect(updated.discounts).toHaveLength(1);
    const preview = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(preview).toMatchObject({ subtotal: 1000, total: 0, amount_due: 0 });
    await advance(clock.id, MONTHS[1] + 2 * 3600);
    await advance(clock.id, MONTHS[2] + 2 * 3600);
    const invoices = await invoicesOf(customer.id);
    expect(invoices.map((i) => i.total)).toEqual([700, 1000, 0, 0]);
    expect(invoices.slice(2).map((i) => i.status)).toEqual(["paid", "paid"]);
  });

  it("applies_to limits the discount to the listed products", async () => {
    const customer = await stripe.customers.create({ email: "appliesto@example.com" });
    const coupon = await stripe.coupons.create({ percent_off: 50, duration: "forever", applies_to: { products: [other.product.id] } });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.monthly.id }, { price: other.monthly.id }],
      default_payment_method: "pm_card_visa",
      discounts: [{ coupon: coupon.id }],
    });
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(invoice).toMatchObject({ subtotal: 1500, total: 1250, amount_paid: 1250 });
    const byPrice = Object.fromEntries(
      invoice.lines.data.map((l) => [l.pricing?.price_details?.price, l.discount_amounts?.map((d) => d.amount)]),
    );
    expect(byPrice).toEqual({ [basic.monthly.id]: [], [other.monthly.id]: [250] });
  });

  it("update keeps a discount named by id, and DELETE /v1/subscriptions/:id/discount removes it", async () => {
    const customer = await stripe.customers.create({ email: "remove@example.com" });
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: "forever" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.monthly.id }],
      default_payment_method: "pm_card_visa",
      discounts: [{ coupon: coupon.id }],
    });
    const id = discountIdOf(sub.discounts[0]);
    const kept = await stripe.subscriptions.update(sub.id, { discounts: [{ discount: id }] });
    expect(kept.discounts).toEqual([id]);
    const unknown = await expectStripeError(stripe.subscriptions.update(sub.id, { discounts: [{ discount: "di_missing" }] }));
    expect(unknown).toMatchObject({ code: "resource_missing", param: "discounts[0][discount]" });
    const removed = await stripe.subscriptions.deleteDiscount(sub.id);
    expect(removed).toMatchObject({ id, object: "discount", deleted: true, subscription: sub.id });
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([]);
    expect((await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id })).total).toBe(1000);
    const none = await expectStripeError(stripe.subscriptions.deleteDiscount(sub.id));
    expect(none.statusCode).toBe(404);
    await env.flush();
    expect(
      env.receiver
        .forCustomer(customer.id)
        .map((e) => e.type)
        .filter((t) => t.startsWith("customer.discount.")),
    ).toEqual(["customer.discount.created", "customer.discount.deleted"]);
  });
});

describe("invoice previews with proposed discounts", () => {
  it("`discounts` on createPreview shows the coupon before it is applied (nothing redeemed); the renewal then matches", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0, "preview-discount@example.com");
    const current = await stripe.coupons.create({ percent_off: 10, duration: "forever" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.monthly.id }],
      default_payment_method: "pm_card_visa",
      discounts: [{ coupon: current.id }],
    });
    const proposed = await stripe.coupons.create({ amount_off: 250, currency: "usd", duration: "forever" });
    const inherited = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(inherited.total).toBe(900);
    const withProposed = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      discounts: [{ coupon: proposed.id }],
    });
    expect(withProposed).toMatchObject({ subtotal: 1000, total: 750 });
    const both = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      discounts: [{ discount: discountIdOf(sub.discounts[0]) }, { coupon: proposed.id }],
    });
    expect(both.total).toBe(650);
    const none = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id, discounts: "" });
    expect(none).toMatchObject({ total: 1000, discounts: [], total_discount_amounts: [] });
    expect((await stripe.coupons.retrieve(proposed.id)).times_redeemed).toBe(0);
    const refused = await expectStripeError(
      stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id, discounts: [{ coupon: "MISSING" }] }),
    );
    expect(refused).toMatchObject({ statusCode: 400, code: "resource_missing", param: "discounts[0][coupon]" });

    await stripe.subscriptions.update(sub.id, { discounts: [{ coupon: proposed.id }] });
    await advance(clock.id, MONTHS[0] + 2 * 3600);
    const renewal = (await invoicesOf(customer.id))[1];
    expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", total: withProposed.total });
  });
});

describe("discounts in Checkout", () => {
  it("`discounts` on a subscription session: discounted amounts, and the first invoice is discounted", async () => {
    const customer = await stripe.customers.create({ email: "checkout-discount@example.com" });
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: "forever" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: basic.monthly.id, quantity: 2 }],
      discounts: [{ coupon: coupon.id }],
      success_url: "http://localhost/success",
      cancel_url: "http://localhost/cancel",
    });
    expect(session).toMatchObject({
      amount_subtotal: 2000,
      amount_total: 1500,
      discounts: [{ coupon: coupon.id, promotion_code: null }],
      total_details: { amount_discount: 500 },
    });
    const lines = await stripe.checkout.sessions.listLineItems(session.id);
    expect(lines.data[0]).toMatchObject({ amount_subtotal: 2000, amount_discount: 500, amount_total: 1500 });
    // Nothing is redeemed until the customer pays.
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(0);
    const res = await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, { card: "pm_card_visa" });
    expect(res.status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription", "invoice"] });
    const sub = done.subscription as Stripe.Subscription;
    const invoice = done.invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ subtotal: 2000, total: 1500, amount_paid: 1500 });
    expect(sub.discounts).toHaveLength(1);
    const discount = await stripe.subscriptions.retrieve(sub.id, { expand: ["discounts"] }).then((s) => s.discounts[0] as Stripe.Discount);
    expect(discount).toMatchObject({ checkout_session: session.id, subscription: sub.id });
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });

  it("refuses discounts together with allow_promotion_codes, and invalid coupons, creating no session", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 5 });
    const base = {
      mode: "subscription" as const,
      line_items: [{ price: basic.monthly.id, quantity: 1 }],
      success_url: "http://localhost/s",
    };
    const both = await expectStripeError(
      stripe.checkout.sessions.create({ ...base, allow_promotion_codes: true, discounts: [{ coupon: coupon.id }] }),
    );
    expect(both.message).toBe("You may only specify one of these parameters: allow_promotion_codes, discounts.");
    const missing = await expectStripeError(stripe.checkout.sessions.create({ ...base, discounts: [{ coupon: "NOPE" }] }));
    expect(missing).toMatchObject({ code: "resource_missing", message: "No such coupon: 'NOPE'", param: "discounts[0][coupon]" });
  });

  it("allow_promotion_codes: the hosted page takes a code, refuses bad ones with Stripe messages, and the total updates", async () => {
    const coupon = await stripe.coupons.create({ amount_off: 400, currency: "usd", duration: "once" });
    await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "WELCOME4" });
    const minCoupon = await stripe.coupons.create({ percent_off: 50 });
    await stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: minCoupon.id },
      code: "HALFBIG",
      restrictions: { minimum_amount: 100_000, minimum_amount_currency: "usd" },
    });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer_email: "hosted-promo@example.com",
      line_items: [{ price: basic.monthly.id, quantity: 1 }],
      allow_promotion_codes: true,
      success_url: "http://localhost/success?session_id={CHECKOUT_SESSION_ID}",
    });
    const url = session.url ?? "";
    expect(await (await fetch(url)).text()).toContain('name="code"');
    const post = (body: Record<string, string>) =>
      fetch(`${url}/promotion_code`, {
        method: "POST",
        body: new URLSearchParams(body),
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });

    const unknown = await post({ code: "NOSUCH", action: "apply" });
    expect(unknown.status).toBe(303);
    expect(await (await fetch(url)).text()).toContain("This code is invalid.");
    await post({ code: "halfbig", action: "apply" });
    expect(await (await fetch(url)).text()).toContain("does not meet the minimum amount requirement");
    expect((await stripe.checkout.sessions.retrieve(session.id)).amount_total).toBe(1000);

    await post({ code: "welcome4", action: "apply" });
    const page = await (await fetch(url)).text();
    expect(page).toContain("WELCOME4");
    expect(page).toMatch(/data-testid="discounted-total"><strong>\$6\.00/);
    const applied = await stripe.checkout.sessions.retrieve(session.id);
    expect(applied).toMatchObject({ amount_subtotal: 1000, amount_total: 600, total_details: { amount_discount: 400 } });
    expect(applied.discounts?.[0].promotion_code).toMatch(/^promo_/);

    const paid = await fetch(`${url}/pay`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "hosted-promo@example.com", card_number: "4242424242424242", name: "Promo Buyer" }),
    });
    expect(paid.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["invoice"] });
    expect(done.status).toBe("complete");
    expect(done.invoice).toMatchObject({ subtotal: 1000, total: 600, amount_paid: 600 });
    const promo = (await stripe.promotionCodes.list({ code: "WELCOME4" })).data[0];
    expect(promo.times_redeemed).toBe(1);
  });

  it("the hosted page can remove an applied code", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 10 });
    await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "TAKEBACK" });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 2000, product_data: { name: "Thing" } }, quantity: 1 }],
      allow_promotion_codes: true,
      success_url: "http://localhost/s",
    });
    const post = (body: Record<string, string>) =>
      fetch(`${session.url}/promotion_code`, {
        method: "POST",
        body: new URLSearchParams(body),
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
    await post({ code: "TAKEBACK", action: "apply" });
    expect((await stripe.checkout.sessions.retrieve(session.id)).amount_total).toBe(1800);
    await post({ action: "remove" });
    const after = await stripe.checkout.sessions.retrieve(session.id);
    expect(after).toMatchObject({ amount_total: 2000, discounts: [], total_details: { amount_discount: 0 } });
  });
});
