import type { APIRequestContext, Page } from "@playwright/test";
import { differenceInCalendarDays, format } from "date-fns";
import { emulatorStripeClient } from "stripe-emulator";
import {
  ALONE,
  EMULATOR_CHECKOUT,
  EMULATOR_URL,
  TEST_PASSWORD,
  expect,
  payOnCheckout,
  signOut,
  signUp,
  subscribeToPro,
  test,
  uniqueClientIp,
  uniqueEmail,
} from "./helpers";
import { apiSignIn } from "./api-clients";

const EMULATOR_PORTAL = new RegExp(`^${EMULATOR_URL.replace(/[.]/g, "\\.")}/portal/`);

async function setWebhookDelivery(request: APIRequestContext, paused: boolean) {
  const res = await request.post(`${EMULATOR_URL}/_emulator/config`, { data: { deliveryPaused: paused } });
  expect(res.ok()).toBeTruthy();
}

/** Reloads /billing until the condition holds: for state that arrives by webhook. */
/**
 * Reloads until `check` passes: the page is rendered on the server, so what a webhook changes shows
 * only after a reload. Each check must fail fast (`{ timeout: 1_000 }`) so the loop reloads again,
 * for up to 30 s (webhooks queue behind other tests' deliveries when the machine is busy).
 */
async function untilAfterReload(page: Page, check: () => Promise<void>) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 30_000, intervals: [250, 500, 1_000] });
}

test("pricing → sign up → Pro monthly on Checkout → confirmed by webhook → Billing shows a Pro trial", ALONE, async ({ page, request }) => {
  await page.goto("/pricing");
  const pro = page.getByTestId("plan-card-pro");
  await expect(page.getByRole("radio", { name: "Monthly" })).toBeChecked();
  await expect(pro.getByTestId("plan-price-pro")).toContainText("$19");
  await expect(pro).toContainText("14-day free trial");
  await page.getByRole("radio", { name: /Yearly/ }).check();
  await expect(page.getByRole("radio", { name: /Yearly/ })).toHaveAccessibleName("Yearly 2 months free");
  await expect(pro.getByTestId("plan-price-pro")).toContainText("$190");
  await page.getByRole("radio", { name: "Monthly" }).check();
  await expect(page.getByRole("link", { name: "Contact sales" })).toHaveAttribute("href", /^mailto:/);
  await expect(page.getByRole("table", { name: /features of each plan/ })).toBeVisible();

  // Signed out: choosing a plan goes through sign-up and comes back to the same choice.
  await page.getByRole("button", { name: "Choose Pro" }).click();
  await expect(page).toHaveURL(/\/sign-up\?callbackUrl=/);
  const email = uniqueEmail("checkout");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  // Straight on to Checkout: no second "Choose Pro".
  await expect(page).toHaveURL(EMULATOR_CHECKOUT);
  await expect(page.getByLabel("Email")).toHaveValue(email);

  // Hold Stripe's webhooks: the success page must keep saying "confirming" until one is processed,
  // whatever the redirect's URL says.
  await setWebhookDelivery(request, true);
  try {
    await payOnCheckout(page, "4242 4242 4242 4242");
    await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
    await expect(page.getByTestId("checkout-confirming")).toContainText("Confirming your payment…");
    // Several polls later it still has not claimed success.
    await page.waitForResponse((r) => r.url().includes("/api/billing/checkout/status") && r.ok());
    await page.waitForResponse((r) => r.url().includes("/api/billing/checkout/status") && r.ok());
    await expect(page.getByTestId("checkout-confirming")).toBeVisible();
    await expect(page.getByTestId("checkout-confirmed")).toHaveCount(0);
  } finally {
    await setWebhookDelivery(request, false);
  }
  await expect(page.getByTestId("checkout-confirmed")).toContainText("You're on Pro");
  await expect(page.getByTestId("checkout-confirming")).toHaveCount(0);

  await page.getByRole("link", { name: "Go to billing" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");
  await expect(page.getByTestId("subscription-status")).toHaveText("Trialing");
  await expect(page.getByTestId("billing-interval")).toHaveText("Monthly");
  await expect(page.getByTestId("trial-end")).toBeVisible();
  await expect(page.getByTestId("entitlement-limits")).toContainText("50,000 calls");
});

test("a plan chosen signed out survives signing in too, goes straight to Checkout, and Back does not bounce there again", async ({
  page,
}) => {
  const email = uniqueEmail("returning");
  await signUp(page, email);
  await signOut(page);

  await page.goto("/pricing");
  await page.getByRole("radio", { name: /Yearly/ }).check();
  await page.getByRole("button", { name: "Choose Scale" }).click();
  await expect(page).toHaveURL(/\/sign-up\?callbackUrl=/);
  await page.getByRole("link", { name: "Sign in" }).last().click();
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(EMULATOR_CHECKOUT);
  await expect(page.getByText("$990.00").first()).toBeVisible();

  // Changed their mind: Back shows the pricing page (yearly still selected) and stays there.
  await page.goBack();
  await expect(page).toHaveURL(/\/pricing\?interval=year$/);
  await expect(page.getByRole("button", { name: "Choose Scale" })).toBeEnabled();
  await expect(page.getByRole("radio", { name: /Yearly/ })).toBeChecked();
  await expect(page.getByTestId("resume-checkout")).toHaveCount(0);
  await page.waitForTimeout(1_000);
  await expect(page).toHaveURL(/\/pricing\?interval=year$/);
});

test("a launch offer from /pricing?promo= is shown, survives sign-up and arrives discounted on Checkout", async ({ page }) => {
  const stripe = emulatorStripeClient(EMULATOR_URL);
  const coupon = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 3, name: "Launch" });
  const code = `LAUNCH-${Date.now().toString(36)}`.toUpperCase();
  await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code });

  await page.goto(`/pricing?promo=${code.toLowerCase()}`);
  await expect(page.getByTestId("launch-offer")).toContainText(`20% off for 3 months with the code ${code}`);
  await page.getByRole("button", { name: "Choose Scale" }).click();
  await expect(page).toHaveURL(/\/sign-up\?callbackUrl=/);
  await page.getByLabel("Email").fill(uniqueEmail("launch"));
  await page.getByLabel("Password").fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(EMULATOR_CHECKOUT);
  await expect(page.getByTestId("discount-row")).toContainText(code);
  await expect(page.getByTestId("discounted-total")).toHaveText("$79.20");
});

test("Embedded Checkout: /pricing?ui=embedded → Pro paid in the emulator's frame on /checkout, whose CSP allows just that → the success page confirms it", async ({
  page,
}) => {
  // Signed up and in over HTTP (the browser's own cookie jar): sign-up's screens are other tests' subject.
  const email = uniqueEmail("embedded");
  await page.context().setExtraHTTPHeaders({ "x-forwarded-for": uniqueClientIp() });
  expect((await page.request.post("/api/account", { data: { email, password: TEST_PASSWORD } })).status()).toBe(201);
  await apiSignIn(page.request, email);
  await page.goto("/pricing?ui=embedded");
  const checkoutDocument = page.waitForResponse(
    (r) => new URL(r.url()).pathname === "/checkout" && r.request().resourceType() === "document",
  );
  await page.getByRole("button", { name: "Choose Pro" }).click();
  const response = await checkoutDocument;
  await expect(page).toHaveURL(/\/checkout\?session=cs_/);
  // The app's page, its nonce CSP intact, plus the emulator's origin for Stripe.js's stand-in and its frame, nothing else.
  const csp = Object.fromEntries(
    (response.headers()["content-security-policy"] ?? "").split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]),
  );
  expect(csp["script-src"]).toMatch(new RegExp(`^'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic' ${EMULATOR_URL.replace(/[.]/g, "\\.")}$`));
  expect(csp["frame-src"]).toBe(EMULATOR_URL);
  expect(csp).toMatchObject({
    "default-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "object-src": "'none'",
  });

  const checkout = page.frameLocator('iframe[title="Secure checkout"]');
  await expect(checkout.getByLabel("Email")).toHaveValue(email);
  await checkout.getByLabel("Card number").fill("4242 4242 4242 4242");
  await checkout.getByLabel("Name on card").fill("E2E Payer");
  await checkout.getByRole("button", { name: "Start trial" }).click();
  // Completion sends the whole page to the session's return_url: the success page, which syncs it as after the hosted page.
  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
  await expect(page.getByTestId("checkout-confirmed")).toContainText("You're on Pro");
});

test("a declined card shows the error on Checkout and leaves the account on Free", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 402 .*\/checkout\/cs_\w+\/pay\)$/);
  await signUp(page, uniqueEmail("declined"));
  await page.goto("/pricing");
  await page.getByRole("button", { name: "Choose Pro" }).click();
  await payOnCheckout(page, "4000 0000 0000 0002");
  await expect(page.getByRole("alert")).toContainText("Your card was declined.");
  await expect(page).toHaveURL(new RegExp(`^${EMULATOR_URL.replace(/[.]/g, "\\.")}/checkout/`));

  // Give up and go back to the app through Checkout's cancel link.
  await page.getByRole("link", { name: /Cancel and return/ }).click();
  await expect(page).toHaveURL(/\/billing\/cancel$/);
  await expect(page.getByRole("heading", { name: "Checkout canceled — nothing was charged." })).toBeVisible();
  await page.getByRole("link", { name: "Go to billing" }).click();
  await expect(page.getByTestId("current-plan")).toHaveText("Free");
  // No subscription, no status pill: "Current plan Free [Free]" said the same thing twice.
  await expect(page.getByTestId("subscription-status")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toHaveCount(0);
  // Where to write about a bill.
  await expect(page.getByTestId("support-contact").getByRole("link", { name: "support@example.com" })).toHaveAttribute(
    "href",
    "mailto:support@example.com",
  );
});

test("cancel in the Stripe portal shows 'Cancels on …' in the app; Resume removes it", async ({ page }) => {
  await signUp(page, uniqueEmail("portal"));
  await subscribeToPro(page);
  await page.goto("/billing");
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");

  await page.getByRole("button", { name: "Manage billing" }).click();
  await expect(page).toHaveURL(EMULATOR_PORTAL);
  await page.getByRole("button", { name: "Cancel plan" }).click();
  await expect(page.getByRole("status")).toContainText("Your plan will be canceled on");
  await page.getByRole("link", { name: /Return to/ }).click();
  await expect(page).toHaveURL(/\/billing$/);

  // The cancellation reaches the app by webhook; reload until it has landed.
  await untilAfterReload(page, () => expect(page.getByTestId("cancel-notice")).toBeVisible({ timeout: 1_000 }));
  const summary = await (await page.request.get("/api/billing/subscription")).json();
  expect(summary.cancelAtPeriodEnd).toBe(true);
  const endsAt = new Date(summary.cancelAt ?? summary.currentPeriodEnd);
  // Pro's 14-day trial is the first period, so that is when it ends.
  expect(differenceInCalendarDays(endsAt, new Date())).toBeGreaterThanOrEqual(13);
  expect(differenceInCalendarDays(endsAt, new Date())).toBeLessThanOrEqual(15);
  await expect(page.getByTestId("cancel-notice")).toHaveText(`Cancels on ${format(endsAt, "MMMM d, yyyy")}`);
  // The pill says it too, not "Trialing" or "Active".
  await expect(page.getByTestId("subscription-status")).toHaveText(`Cancels ${format(endsAt, "MMM d, yyyy")}`);
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toHaveCount(0);

  await page.getByRole("button", { name: "Resume subscription" }).click();
  await expect(page.getByTestId("cancel-notice")).toHaveCount(0);
  await expect(page.getByTestId("subscription-status")).toHaveText("Trialing");
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toBeVisible();
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");
  // And it stays resumed after a full reload (the server state, not the client's).
  await page.reload();
  await expect(page.getByTestId("cancel-notice")).toHaveCount(0);
});

test("upgrade Pro → Scale from Change plan: preview shows the amount, Confirm switches the plan", async ({ page }) => {
  await signUp(page, uniqueEmail("upgrade"));
  await subscribeToPro(page);
  await page.goto("/billing#change-plan");
  const section = page.locator("#change-plan");
  await expect(section.getByRole("heading", { name: "Change plan" })).toBeVisible();
  await expect(section.getByText("Current plan")).toBeVisible();

  await section.getByRole("button", { name: "Preview Scale monthly" }).click();
  const preview = page.getByTestId("change-preview");
  await expect(preview).toContainText("Upgrade to Scale (monthly)");
  await expect(preview.getByTestId("preview-amount-due")).toHaveText(/^\$\d[\d,]*\.\d{2}$/);
  await expect(preview.getByTestId("plan-gains")).toContainText("Priority support");
  await expect(preview.getByTestId("plan-gains")).toContainText("Jobs: 500 jobs → 10,000 jobs");
  await expect(preview.getByTestId("plan-losses")).toHaveCount(0);
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");

  await preview.getByRole("button", { name: "Confirm change" }).click();
  await expect(page.getByTestId("change-plan-result")).toContainText("you are now on Scale");
  await expect(page.getByTestId("current-plan")).toHaveText("Scale");
  // Without a reload, the invoice the upgrade charged heads the list (it shares its second with a $0 proration).
  await expect(page.getByTestId("invoice-row").first()).toContainText("$99.00");
  await page.reload();
  await expect(page.getByTestId("invoice-row").first()).toContainText("$99.00");
  await expect(page.getByTestId("current-plan")).toHaveText("Scale");
  await expect(page.getByTestId("entitlement-limits")).toContainText("1,000,000 calls");

  // Scale monthly → Pro yearly costs more per period, so it applies now, but it is a step down:
  // the label and the preview say so, and what Scale's customer loses at once.
  const cell = (plan: string, column: number) =>
    section
      .getByRole("row", { name: new RegExp(`^${plan}`) })
      .getByRole("cell")
      .nth(column);
  await expect(cell("Pro", 1).getByTestId("change-label")).toHaveText("Downgrade, starts now");
  await expect(cell("Pro", 0).getByTestId("change-label")).toHaveText("Downgrade, at period end");
  await expect(cell("Scale", 1).getByTestId("change-label")).toHaveText("Yearly billing, starts now");
  await section.getByRole("button", { name: "Preview Pro yearly" }).click();
  await expect(preview).toContainText("Switch to Pro (yearly)");
  await expect(preview.getByTestId("plan-losses")).toContainText("Priority support");
  await expect(preview.getByTestId("plan-losses")).toContainText("Audit log");
  await expect(preview.getByTestId("plan-losses")).toContainText("API calls: 1,000,000 calls → 50,000 calls");
  await expect(preview.getByTestId("plan-losses-when")).toHaveText("Scale's features end as soon as you confirm.");
  await preview.getByRole("button", { name: "Back" }).click();

  // The invoices Stripe issued reach the table by webhook, each with its hosted page and PDF.
  await untilAfterReload(page, () => expect(page.getByTestId("invoice-row").first()).toBeVisible({ timeout: 1_000 }));
  const row = page.getByTestId("invoice-row").first();
  await expect(row.getByRole("link", { name: /^View invoice/ })).toHaveAttribute("href", /^http/);
  await expect(row.getByRole("link", { name: /PDF$/ })).toHaveAttribute("href", /^http/);
});

test("a scheduled downgrade's confirmation goes away once cancel drops it, and stays away after resume", async ({ page }) => {
  await signUp(page, uniqueEmail("downgrade-cancel"));
  await subscribeToPro(page);
  await page.goto("/billing#change-plan");
  const section = page.locator("#change-plan");
  await section.getByRole("button", { name: "Preview Scale monthly" }).click();
  await page.getByTestId("change-preview").getByRole("button", { name: "Confirm change" }).click();
  await expect(page.getByTestId("current-plan")).toHaveText("Scale");

  await section.getByRole("button", { name: "Preview Pro monthly" }).click();
  await page.getByTestId("change-preview").getByRole("button", { name: "Confirm change" }).click();
  await expect(page.getByTestId("change-plan-result")).toContainText("Scheduled: you switch to Pro");
  await expect(page.getByTestId("pending-change")).toContainText("Switches to Pro");

  // Cancelling drops the scheduled switch: no message may still promise it, then or after resuming.
  await page.getByRole("button", { name: "Cancel subscription" }).click();
  await page.getByRole("button", { name: "Confirm cancellation" }).click();
  await expect(page.getByTestId("cancel-notice")).toBeVisible();
  await expect(page.getByTestId("pending-change")).toHaveCount(0);
  await expect(page.getByTestId("change-plan-result")).toHaveCount(0);
  await page.getByRole("button", { name: "Resume subscription" }).click();
  await expect(page.getByTestId("cancel-notice")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toBeVisible();
  await expect(page.getByTestId("change-plan-result")).toHaveCount(0);
  await expect(page.getByTestId("pending-change")).toHaveCount(0);
  await expect(page.locator("#change-plan").getByText("Scheduled", { exact: true })).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("pending-change")).toHaveCount(0);
  await expect(page.getByTestId("current-plan")).toHaveText("Scale");
});

test("a second checkout by a subscribed user gets the 409 message linking to Change plan", async ({ page, context, consoleErrors }) => {
  consoleErrors.allow(/status of 409 .*\/api\/billing\/checkout\)$/);
  await signUp(page, uniqueEmail("twice"));
  // A pricing tab opened before subscribing still offers Checkout…
  const staleTab = await context.newPage();
  await staleTab.goto("/pricing");
  await expect(staleTab.getByRole("button", { name: "Choose Scale" })).toBeEnabled();
  await expect(staleTab.getByTestId("plan-trial-pro")).toHaveText("14-day free trial");

  await subscribeToPro(page);

  // …but the server refuses a second subscription and the page says where to go instead.
  await staleTab.getByRole("button", { name: "Choose Scale" }).click();
  const error = staleTab.getByTestId("checkout-error");
  await expect(error).toContainText("You already have a subscription");
  const link = error.getByRole("link", { name: "Change your plan" });
  await expect(link).toHaveAttribute("href", "/billing#change-plan");
  await expect(staleTab).toHaveURL(/\/pricing$/);
  await link.click();
  await expect(staleTab).toHaveURL(/\/billing#change-plan$/);
  await expect(staleTab.getByRole("heading", { name: "Change plan" })).toBeVisible();

  // A fresh pricing page sends subscribers to Change plan rather than Checkout, and promises no
  // second trial (one per account), which the page loaded before the trial did.
  await page.goto("/pricing");
  await expect(page.getByTestId("pricing-plans")).toHaveAttribute("data-viewer-known", "true");
  await expect(page.getByTestId("plan-trial-pro")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Choose Scale" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Switch to Scale" })).toHaveAttribute("href", "/billing#change-plan");
});

test("the Stripe portal offers no plan switch (the plan has metered prices beside it): Change plan in the app does it", async ({
  page,
}) => {
  await signUp(page, uniqueEmail("portal-switch"));
  await subscribeToPro(page);
  await page.goto("/billing");
  await page.getByRole("button", { name: "Manage billing" }).click();
  await expect(page).toHaveURL(EMULATOR_PORTAL);

  // Stripe's portal cannot update a subscription with usage-based prices, so the app's configuration
  // disables updates there: cancel and card only.
  await expect(page.getByTestId("current-plan")).toContainText("Pro");
  await expect(page.getByRole("heading", { name: "Switch plan" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^(Upgrade|Downgrade|Switch) to/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Cancel plan" })).toBeVisible();
  await page.getByRole("link", { name: /Return to/ }).click();
  await expect(page).toHaveURL(/\/billing$/);

  // The app's own Change plan is where plans change.
  const section = page.locator("#change-plan");
  await expect(section.getByRole("heading", { name: "Change plan" })).toBeVisible();
  await section.getByRole("button", { name: "Preview Scale monthly" }).click();
  await page.getByTestId("change-preview").getByRole("button", { name: "Confirm change" }).click();
  await expect(page.getByTestId("change-plan-result")).toContainText("you are now on Scale");
  await expect(page.getByTestId("current-plan")).toHaveText("Scale");
  await expect(page.getByTestId("subscription-status")).toHaveText("Active");
});

test("a declined upgrade says why and changes nothing: Pro trial on 4000 0000 0000 0341 → Scale yearly", async ({
  page,
  consoleErrors,
}) => {
  consoleErrors.allow(/status of 402 .*\/api\/billing\/subscription\/change\)$/);
  await signUp(page, uniqueEmail("declined-upgrade"));
  await page.goto("/pricing");
  await page.getByRole("button", { name: "Choose Pro" }).click();
  // The trial needs no payment, so this card is accepted; every later charge on it fails.
  await payOnCheckout(page, "4000 0000 0000 0341");
  await expect(page.getByTestId("checkout-confirmed")).toContainText("You're on Pro");

  await page.goto("/billing#change-plan");
  const section = page.locator("#change-plan");
  await section.getByRole("button", { name: "Preview Scale yearly" }).click();
  await page.getByTestId("change-preview").getByRole("button", { name: "Confirm change" }).click();
  await expect(page.getByTestId("change-plan-error")).toHaveText("The plan was not changed: Your card was declined.");
  await page.reload();
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");
  await expect(page.getByTestId("subscription-status")).toHaveText("Trialing");
});

test("card-less trial: Start trial on Pricing gives Pro at once; Billing asks for a card, and Add a card (setup Checkout) clears the notice", async ({
  page,
}) => {
  await signUp(page, uniqueEmail("cardless"));
  await page.goto("/pricing");
  await page.getByTestId("start-trial-pro").click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");
  await expect(page.getByTestId("add-card-notice")).toContainText("Add a card to keep Pro after");
  await page.getByTestId("add-card").click();
  await payOnCheckout(page, "4242 4242 4242 4242");
  await expect(page).toHaveURL(/\/billing\?card=added$/);
  await untilAfterReload(page, async () => {
    await expect(page.getByTestId("current-plan")).toHaveText("Pro", { timeout: 1_000 });
    await expect(page.getByTestId("add-card-notice")).toHaveCount(0, { timeout: 1_000 });
  });
});

test("prepaid credits: Buy credits on Billing → pay on Checkout → the balance and its history show the pack", async ({ page }) => {
  await signUp(page, uniqueEmail("credits"));
  await page.goto("/billing");
  const jobs = page.getByTestId("credits-jobs");
  await expect(jobs.getByTestId("credit-balance-jobs")).toHaveText("0");
  await jobs.getByLabel("Top up").selectOption({ label: "100 jobs for $5.00" });
  await jobs.getByRole("button", { name: "Buy credits" }).click();
  await payOnCheckout(page, "4242 4242 4242 4242");
  await expect(page).toHaveURL(/\/billing\?credits=purchased/);
  // Credited by the checkout.session.completed webhook.
  await untilAfterReload(page, async () => {
    await expect(page.getByTestId("credit-balance-jobs")).toHaveText("100", { timeout: 1_000 });
  });
  await expect(page.getByTestId("credit-history-jobs")).toContainText("Bought ($5.00)");
});

test("billing details on Billing: invoices show the VAT line, then reverse charge with the VAT ID once it is on file", async ({ page }) => {
  const stripe = emulatorStripeClient(EMULATOR_URL);
  const email = uniqueEmail("tax");
  await signUp(page, email);
  await page.goto("/billing");
  const form = page.getByTestId("billing-details-form");
  await form.getByLabel("Company or full name").fill("Muster GmbH");
  await form.getByLabel("Country (two-letter code, e.g. DE)").fill("DE");
  await form.getByLabel("Address", { exact: true }).fill("Unter den Linden 1");
  await form.getByLabel("City").fill("Berlin");
  await form.getByLabel("Postal code").fill("10117");
  await form.getByRole("button", { name: "Save billing details" }).click();
  await expect(form.getByRole("status")).toHaveText("Billing details saved.");

  // The Stripe customer the form made, subscribed with Stripe Tax as Checkout does with STRIPE_TAX=on (DE: 19 % VAT).
  const [customer] = (await stripe.customers.list({ email })).data;
  expect(customer.address?.country).toBe("DE");
  const prices = (await stripe.prices.list({ lookup_keys: ["scale_monthly", "scale_yearly"] })).data;
  const price = (key: string) => prices.find((p) => p.lookup_key === key)!.id;
  const card = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
  const subscription = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price("scale_monthly") }],
    default_payment_method: card.id,
    automatic_tax: { enabled: true },
  });
  await untilAfterReload(page, async () => {
    await expect(page.getByTestId("invoice-tax").first()).toContainText("VAT 19%: $18.81", { timeout: 1_000 });
  });

  // A business: its VAT ID on file makes the next invoice (a switch to yearly, invoiced now) reverse charged.
  await form.getByLabel("VAT / GST ID (businesses, optional)").fill("DE123456789");
  await form.getByRole("button", { name: "Save billing details" }).click();
  await expect(form.getByTestId("billing-tax-ids")).toContainText("EU VAT DE123456789");
  await stripe.subscriptions.update(subscription.id, {
    items: [{ id: subscription.items.data[0].id, price: price("scale_yearly") }],
    proration_behavior: "always_invoice",
  });
  await untilAfterReload(page, async () => {
    await expect(page.getByTestId("invoice-row")).toHaveCount(2, { timeout: 1_000 });
    await expect(page.getByTestId("invoice-tax").first()).toContainText("Reverse charge", { timeout: 1_000 });
    await expect(page.getByTestId("invoice-tax").first()).toContainText("EU VAT DE123456789", { timeout: 1_000 });
  });
  await expect(page.getByTestId("invoice-tax").last()).toContainText("VAT 19%: $18.81");
});
