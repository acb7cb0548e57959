import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./helpers";
import type Stripe from "stripe";
import { emulatorStripeClient, startEmulator, type EmulatorHandle } from "stripe-emulator";

// Every customer portal deep link (`flow_data`) end to end on the emulator's hosted portal page, in Chromium: the
// page opens on the flow, the customer completes it, and `after_completion` decides what follows. The emulator runs
// in-process; a tiny local server stands in for the app's return URLs.
let emulator: EmulatorHandle;
let stripe: Stripe;
let app: Server;
let appUrl: string;
let pro: Stripe.Price;
let team: Stripe.Price;
let config: Stripe.BillingPortal.Configuration;

test.beforeAll(async () => {
  emulator = await startEmulator({ port: 0, testMode: true });
  stripe = emulatorStripeClient(emulator.url);
  app = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<!doctype html><title>App</title><h1>App page</h1><p id="path">${req.url ?? ""}</p>`);
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", () => resolve()));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const proProduct = await stripe.products.create({ name: "Pro" });
  pro = await stripe.prices.create({ product: proProduct.id, currency: "usd", unit_amount: 2000, recurring: { interval: "month" } });
  const teamProduct = await stripe.products.create({ name: "Team" });
  team = await stripe.prices.create({ product: teamProduct.id, currency: "usd", unit_amount: 5000, recurring: { interval: "month" } });
  config = await stripe.billingPortal.configurations.create({
    features: {
      payment_method_update: { enabled: true },
      subscription_cancel: { enabled: true, mode: "at_period_end" },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price"],
        proration_behavior: "always_invoice",
        products: [
          { product: proProduct.id, prices: [pro.id] },
          { product: teamProduct.id, prices: [team.id] },
        ],
      },
    },
  });
});

test.afterAll(async () => {
  await emulator.stop();
  app.closeAllConnections();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

/** A customer paying Pro monthly with 4242, and (optionally) more items on the subscription. */
async function subscribed(email: string, extra: Stripe.SubscriptionCreateParams.Item[] = []) {
  const customer = await stripe.customers.create({ email });
  const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: pro.id }, ...extra] });
  return { customer, sub };
}

function deepLink(customer: string, flow_data: Stripe.BillingPortal.SessionCreateParams.FlowData) {
  return stripe.billingPortal.sessions.create({ customer, configuration: config.id, return_url: `${appUrl}/account`, flow_data });
}

test("payment_method_update: only the card form, then a redirect to after_completion.redirect.return_url", async ({ page }) => {
  const { customer } = await subscribed("flow-card@example.com");
  const session = await deepLink(customer.id, {
    type: "payment_method_update",
    after_completion: { type: "redirect", redirect: { return_url: `${appUrl}/card-saved` } },
  });
  await page.goto(session.url);
  await expect(page.getByTestId("flow-title")).toHaveText("Update your payment method");
  await expect(page.getByRole("heading", { name: "Invoice history" })).toHaveCount(0);
  await page.getByLabel("Card number").fill("5555 5555 5555 4444");
  await page.getByRole("button", { name: "Save card" }).click();
  await expect(page).toHaveURL(`${appUrl}/card-saved`);
  const after = (await stripe.customers.retrieve(customer.id, { expand: ["invoice_settings.default_payment_method"] })) as Stripe.Customer;
  expect((after.invoice_settings.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe("4444");
});

test("subscription_cancel: the cancellation page, then the hosted confirmation with the custom message and a way back", async ({
  page,
}) => {
  const { customer, sub } = await subscribed("flow-cancel@example.com");
  const session = await deepLink(customer.id, {
    type: "subscription_cancel",
    subscription_cancel: { subscription: sub.id },
    after_completion: { type: "hosted_confirmation", hosted_confirmation: { custom_message: "Sorry to see you go." } },
  });
  await page.goto(session.url);
  await expect(page.getByTestId("flow-title")).toHaveText("Cancel your plan");
  await expect(page.getByTestId("current-plan")).toContainText("Pro");
  await expect(page.getByRole("heading", { name: "Switch plan" })).toHaveCount(0);
  await page.getByRole("button", { name: "Cancel plan" }).click();
  await expect(page.getByTestId("flow-confirmation")).toHaveText("Sorry to see you go.");
  expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);
  await page
    .getByRole("link", { name: /Return to/ })
    .first()
    .click();
  await expect(page).toHaveURL(`${appUrl}/account`);
});

test("subscription_update: the plan choices, then the portal homepage (portal_homepage) with the new plan", async ({ page }) => {
  const { customer, sub } = await subscribed("flow-update@example.com");
  const session = await deepLink(customer.id, { type: "subscription_update", subscription_update: { subscription: sub.id } });
  await page.goto(session.url);
  await expect(page.getByTestId("flow-title")).toHaveText("Update your plan");
  await expect(page.getByRole("button", { name: "Cancel plan" })).toHaveCount(0);
  await page.getByRole("button", { name: "Upgrade to Team — $50.00 / month" }).click();
  await expect(page.getByRole("status")).toContainText("Your plan has been updated to Team");
  await expect(page.getByRole("heading", { name: "Invoice history" })).toBeVisible();
  await expect(page.getByTestId("current-plan")).toContainText("Team");
  // The homepage works as usual after the flow: Cancel plan is there and acts.
  await page.getByRole("button", { name: "Cancel plan" }).click();
  await expect(page.getByRole("status")).toContainText("Your plan will be canceled on");
  expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ cancel_at_period_end: true });
});

test("subscription_update_confirm: the prepared change, Confirm, then a redirect; the new plan is billed now", async ({ page }) => {
  const { customer, sub } = await subscribed("flow-confirm@example.com");
  const session = await deepLink(customer.id, {
    type: "subscription_update_confirm",
    subscription_update_confirm: { subscription: sub.id, items: [{ id: sub.items.data[0].id, price: team.id }] },
    after_completion: { type: "redirect", redirect: { return_url: `${appUrl}/upgraded` } },
  });
  await page.goto(session.url);
  await expect(page.getByTestId("flow-title")).toHaveText("Confirm your update");
  await expect(page.getByTestId("current-plan")).toContainText("Pro");
  await expect(page.getByTestId("new-plan")).toContainText("Team — $50.00 / month");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(`${appUrl}/upgraded`);
  const after = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
  expect(after.items.data[0].price.id).toBe(team.id);
  expect(after.latest_invoice).toMatchObject({ billing_reason: "subscription_update", status: "paid" });
});

test("the portal's limits: a plan with a usage-based price beside it offers no switch, says why, and still cancels", async ({ page }) => {
  const meter = await stripe.billing.meters.create({
    display_name: "API calls",
    event_name: "portal_flows_api_calls",
    default_aggregation: { formula: "sum" },
  });
  const metered = await stripe.prices.create({
    product: String(pro.product),
    currency: "usd",
    unit_amount: 1,
    recurring: { interval: "month", usage_type: "metered", meter: meter.id },
  });
  const { customer, sub } = await subscribed("flow-limits@example.com", [{ price: metered.id }]);
  const refused = await deepLink(customer.id, { type: "subscription_update", subscription_update: { subscription: sub.id } }).catch(
    (err: Error) => err,
  );
  expect(refused).toBeInstanceOf(Error);
  expect((refused as Error).message).toContain("cannot be updated in the customer portal because it has usage-based prices");

  const session = await stripe.billingPortal.sessions.create({
    customer: customer.id,
    configuration: config.id,
    return_url: `${appUrl}/account`,
  });
  await page.goto(session.url);
  await expect(page.getByTestId("update-unavailable")).toContainText("because it has usage-based prices");
  await expect(page.getByRole("heading", { name: "Switch plan" })).toHaveCount(0);
  await page.getByRole("button", { name: "Cancel plan" }).click();
  await expect(page.getByRole("status")).toContainText("Your plan will be canceled on");
});
