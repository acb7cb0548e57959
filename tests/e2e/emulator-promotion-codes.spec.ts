import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./helpers";
import type Stripe from "stripe";
import { emulatorStripeClient, startEmulator, type EmulatorHandle } from "stripe-emulator";

// The hosted Checkout page's promotion-code field (allow_promotion_codes), on the emulator alone: it runs in-process,
// and a tiny local server stands in for the app's success URL.
let emulator: EmulatorHandle;
let stripe: Stripe;
let app: Server;
let appUrl: string;
let price: Stripe.Price;

test.beforeAll(async () => {
  emulator = await startEmulator({ port: 0, testMode: true });
  stripe = emulatorStripeClient(emulator.url);
  app = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<!doctype html><title>App</title><h1>App page</h1><p id="path">${req.url ?? ""}</p>`);
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", () => resolve()));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const product = await stripe.products.create({ name: "Pro" });
  price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 2000, recurring: { interval: "month" } });
  const coupon = await stripe.coupons.create({ percent_off: 25, duration: "forever" });
  await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "LAUNCH25" });
  await stripe.promotionCodes.create({
    promotion: { type: "coupon", coupon: coupon.id },
    code: "BIGONLY",
    restrictions: { minimum_amount: 100_000, minimum_amount_currency: "usd" },
  });
});

test.afterAll(async () => {
  await emulator.stop();
  app.closeAllConnections();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

test("a customer types a promotion code on the hosted checkout, sees the new total and pays it", async ({ page }) => {
  const customer = await stripe.customers.create({ email: "promo@example.com" });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    allow_promotion_codes: true,
    success_url: `${appUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
  });
  await page.goto(session.url ?? "");

  await page.getByLabel("Add promotion code").fill("NOPE");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("promotion-code-error")).toHaveText("This code is invalid.");

  await page.getByLabel("Add promotion code").fill("bigonly");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("promotion-code-error")).toContainText("does not meet the minimum amount requirement");

  await page.getByLabel("Add promotion code").fill("launch25");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("applied-promotion-code")).toHaveText("LAUNCH25");
  await expect(page.getByTestId("discounted-total")).toHaveText("$15.00");

  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByLabel("Name on card").fill("Pat Promo");
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page).toHaveURL(`${appUrl}/billing/success?session_id=${session.id}`);
  const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["invoice"] });
  expect(done.invoice).toMatchObject({ subtotal: 2000, total: 1500, amount_paid: 1500 });
});
