import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./helpers";
import type Stripe from "stripe";
import { emulatorStripeClient, startEmulator, type EmulatorHandle } from "stripe-emulator";

// These specs exercise the emulator's hosted pages on their own: the emulator runs in-process, and a tiny local
// server stands in for the app's success/cancel/return URLs.
let emulator: EmulatorHandle;
let stripe: Stripe;
let app: Server;
let appUrl: string;
let price: Stripe.Price;
let altPrice: Stripe.Price;

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
  const team = await stripe.products.create({ name: "Team" });
  altPrice = await stripe.prices.create({ product: team.id, currency: "usd", unit_amount: 5000, recurring: { interval: "month" } });
});

test.afterAll(async () => {
  await emulator.stop();
  app.closeAllConnections();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

async function newSession(email: string): Promise<{ customer: Stripe.Customer; session: Stripe.Checkout.Session }> {
  const customer = await stripe.customers.create({ email });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: `${appUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${appUrl}/billing/cancel`,
  });
  return { customer, session };
}

test("pays with 4242 on the hosted checkout page and lands on the success URL", async ({ page }) => {
  const { customer, session } = await newSession("pay@example.com");
  await page.goto(session.url ?? "");
  await expect(page.getByText("$20.00").first()).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue("pay@example.com");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByLabel("Expiration").fill("12 / 34");
  await page.getByLabel("CVC").fill("123");
  await page.getByLabel("Name on card").fill("Pat Payer");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page).toHaveURL(`${appUrl}/billing/success?session_id=${session.id}`);
  const subs = await stripe.subscriptions.list({ customer: customer.id });
  expect(subs.data).toHaveLength(1);
  expect(subs.data[0].status).toBe("active");
  expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("complete");
});

test("the cancel link goes back to cancel_url", async ({ page }) => {
  const { session } = await newSession("cancel-link@example.com");
  await page.goto(session.url ?? "");
  await page.getByRole("link", { name: /cancel/i }).click();
  await expect(page).toHaveURL(`${appUrl}/billing/cancel`);
});

test("a declined card shows the error and creates no subscription", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 402 .*\/checkout\/cs_\w+\/pay\)$/);
  const { customer, session } = await newSession("declined@example.com");
  await page.goto(session.url ?? "");
  await page.getByLabel("Card number").fill("4000 0000 0000 0002");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByRole("alert")).toContainText("Your card was declined.");
  expect(page.url()).toContain(`/checkout/${session.id}`);
  expect((await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toHaveLength(0);
  expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
});

test("a reload after a declined card shows the checkout again, still payable", async ({ page }) => {
  const { customer, session } = await newSession("declined-reload@example.com");
  await page.goto(session.url ?? "");
  await page.getByLabel("Card number").fill("4000 0000 0000 0002");
  await page.getByLabel("Name on card").fill("Pat Reload");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByRole("alert")).toContainText("Your card was declined.");
  await expect(page.getByLabel("Name on card")).toHaveValue("Pat Reload");
  expect(page.url()).toBe(session.url);

  await page.reload();
  await expect(page.getByRole("heading", { name: "Not found" })).toHaveCount(0);
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByText("$20.00").first()).toBeVisible();
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page).toHaveURL(`${appUrl}/billing/success?session_id=${session.id}`);
  expect((await stripe.subscriptions.list({ customer: customer.id })).data.map((s) => s.status)).toEqual(["active"]);

  // The form's target opened directly (history, a pasted link) leads back to the checkout, not to "Not found".
  const other = await newSession("declined-direct@example.com");
  await page.goto(`${other.session.url}/pay`);
  await expect(page).toHaveURL(other.session.url ?? "");
  await expect(page.getByRole("button", { name: "Pay" })).toBeVisible();
});

test('a trial checkout says "Start trial", and every page names the merchant (configurable)', async ({ page }) => {
  const customer = await stripe.customers.create({ email: "trial-button@example.com" });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    subscription_data: { trial_period_days: 14 },
    success_url: `${appUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
  });
  await page.goto(session.url ?? "");
  await expect(page.getByTestId("merchant-name")).toHaveText("Acme SaaS");
  await expect(page.getByText("14 days free")).toBeVisible();
  await expect(page.getByRole("button", { name: "Pay" })).toHaveCount(0);

  const configure = (businessName: string) =>
    fetch(`${emulator.url}/_emulator/config`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ businessName }),
    });
  expect((await configure("Northwind Analytics")).status).toBe(200);
  try {
    await page.reload();
    await expect(page.getByTestId("merchant-name")).toHaveText("Northwind Analytics");
    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await page.getByRole("button", { name: "Start trial" }).click();
    await expect(page).toHaveURL(`${appUrl}/billing/success?session_id=${session.id}`);
    const [sub] = (await stripe.subscriptions.list({ customer: customer.id })).data;
    expect(sub.status).toBe("trialing");
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(invoice.account_name).toBe("Northwind Analytics");
    await page.goto(invoice.hosted_invoice_url ?? "");
    await expect(page.getByTestId("merchant-name")).toHaveText("Northwind Analytics");
  } finally {
    expect((await configure("Acme SaaS")).status).toBe(200);
  }
});

test("the portal names the business, writes dates like Stripe, and labels switches Upgrade / Downgrade / Switch", async ({ page }) => {
  const customer = await stripe.customers.create({ email: "portal-labels@example.com" });
  const basic = await stripe.prices.create({
    product_data: { name: "Basic" },
    currency: "usd",
    unit_amount: 500,
    recurring: { interval: "month" },
  });
  const proYearly = await stripe.prices.create({
    product: String(price.product),
    currency: "usd",
    unit_amount: 20_000,
    recurring: { interval: "year" },
  });
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    default_payment_method: "pm_card_visa",
  });
  const config = await stripe.billingPortal.configurations.create({
    business_profile: { headline: "Manage your subscription" },
    features: {
      subscription_cancel: { enabled: true, mode: "at_period_end" },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price"],
        proration_behavior: "none",
        products: [
          { product: String(price.product), prices: [price.id, proYearly.id] },
          { product: String(altPrice.product), prices: [altPrice.id] },
          { product: String(basic.product), prices: [basic.id] },
        ],
      },
    },
  });
  const portal = await stripe.billingPortal.sessions.create({
    customer: customer.id,
    configuration: config.id,
    return_url: `${appUrl}/account`,
  });
  await page.goto(portal.url);
  await expect(page.getByTestId("merchant-name")).toHaveText("Acme SaaS");
  await expect(page.getByText("Manage your subscription")).toBeVisible();
  await expect(page.getByRole("link", { name: "← Return to Acme SaaS" })).toBeVisible();
  const renews = new Date(sub.items.data[0].current_period_end * 1000).toLocaleDateString("en-US", {
    month: "long",
    day: "numeric",
    year: "numeric",
    timeZone: "UTC",
  });
  await expect(page.getByText(`Renews on ${renews}.`)).toBeVisible();
  expect(renews).toMatch(/^[A-Z][a-z]+ \d{1,2}, \d{4}$/);

  await expect(page.getByRole("button", { name: "Upgrade to Team — $50.00 / month" })).toHaveText("Upgrade");
  await expect(page.getByRole("button", { name: "Downgrade to Basic — $5.00 / month" })).toHaveText("Downgrade");
  await expect(page.getByRole("button", { name: "Switch to Pro — $200.00 / year" })).toHaveText("Switch");
  await page.getByRole("button", { name: "Downgrade to Basic — $5.00 / month" }).click();
  await expect(page.getByRole("status")).toContainText("Your plan has been updated to Basic");
  await expect(page.getByRole("button", { name: "Upgrade to Pro — $20.00 / month" })).toHaveText("Upgrade");
});

test("a 3-D Secure card shows the authentication step (fail, then complete)", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 402 .*\/checkout\/cs_\w+\/authenticate\)$/);
  const { customer, session } = await newSession("threeds@example.com");
  await page.goto(session.url ?? "");
  await page.getByLabel("Card number").fill("4000 0027 6000 3184");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByRole("heading", { name: "3D Secure authentication" })).toBeVisible();
  await page.getByRole("button", { name: "Fail authentication" }).click();
  await expect(page.getByRole("alert")).toContainText("unable to authenticate");
  expect((await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toHaveLength(0);

  await page.getByLabel("Card number").fill("4000 0027 6000 3184");
  await page.getByRole("button", { name: "Pay" }).click();
  await page.getByRole("button", { name: "Complete authentication" }).click();
  await expect(page).toHaveURL(`${appUrl}/billing/success?session_id=${session.id}`);
  const subs = await stripe.subscriptions.list({ customer: customer.id });
  expect(subs.data.map((s) => s.status)).toEqual(["active"]);
});

test("the portal cancels at period end, resumes, switches plan and returns to the app", async ({ page }) => {
  const customer = await stripe.customers.create({ email: "portal@example.com" });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: `${appUrl}/ok`,
  });
  const done = await fetch(`${emulator.url}/_emulator/checkout/sessions/${session.id}/complete`, {
    method: "POST",
    body: JSON.stringify({ card: "4242424242424242" }),
  });
  expect(done.status).toBe(200);
  const config = await stripe.billingPortal.configurations.create({
    business_profile: { headline: "Acme" },
    features: {
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
      subscription_cancel: { enabled: true, mode: "at_period_end" },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price"],
        proration_behavior: "none",
        products: [
          { product: String(price.product), prices: [price.id] },
          { product: String(altPrice.product), prices: [altPrice.id] },
        ],
      },
    },
  });
  const portal = await stripe.billingPortal.sessions.create({
    customer: customer.id,
    configuration: config.id,
    return_url: `${appUrl}/account`,
  });
  const [sub] = (await stripe.subscriptions.list({ customer: customer.id })).data;

  await page.goto(portal.url);
  await expect(page.getByTestId("current-plan")).toContainText("Pro");
  await expect(page.getByRole("region", { name: "Invoice history" })).toContainText("$20.00");
  await page.getByRole("button", { name: "Cancel plan" }).click();
  await expect(page.getByRole("status")).toContainText("will be canceled");
  expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ cancel_at_period_end: true, status: "active" });

  await page.getByRole("button", { name: "Resume plan" }).click();
  await expect(page.getByRole("status")).toContainText("renewed");
  expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ cancel_at_period_end: false, cancel_at: null });

  await page.getByRole("button", { name: /Upgrade to Team/ }).click();
  await expect(page.getByTestId("current-plan")).toContainText("Team");
  expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(altPrice.id);

  await page.getByLabel("Card number").fill("5555 5555 5555 4444");
  await page.getByRole("button", { name: "Save card" }).click();
  await expect(page.getByRole("status")).toContainText("Card updated");
  await expect(page.getByText("mastercard •••• 4444")).toBeVisible();

  await page.getByRole("link", { name: /Return to/ }).click();
  await expect(page).toHaveURL(`${appUrl}/account`);
});

test("the hosted invoice page links to a PDF", async ({ page, request }) => {
  const [invoice] = (await stripe.invoices.list({ limit: 1 })).data;
  await page.goto(invoice.hosted_invoice_url ?? "");
  await expect(page.getByRole("heading", { name: `Invoice ${invoice.number}` })).toBeVisible();
  const pdf = await request.get(invoice.invoice_pdf ?? "");
  expect(pdf.headers()["content-type"]).toBe("application/pdf");
  expect((await pdf.body()).subarray(0, 4).toString()).toBe("%PDF");
});

test("an open invoice can be paid on its hosted page, which recovers the subscription", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 402 .*\/invoices\/in_\w+\/pay\)$/);
  const customer = await stripe.customers.create({ email: "dunning@example.com" });
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    default_payment_method: "pm_card_chargeCustomerFail",
  });
  expect(sub.status).toBe("incomplete");
  const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
  expect(invoice.status).toBe("open");

  await page.goto(invoice.hosted_invoice_url ?? "");
  await page.getByLabel("Card number").fill("4000 0000 0000 0002");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByRole("alert")).toContainText("Your card was declined.");

  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page.getByText("paid", { exact: true })).toBeVisible();
  expect((await stripe.invoices.retrieve(invoice.id)).status).toBe("paid");
  expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
});
