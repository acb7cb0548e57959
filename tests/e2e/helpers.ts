import { test as base, expect, type Page } from "@playwright/test";

export { expect };

/**
 * Fails a test on any error in the browser console (or an uncaught exception) of any page it opens.
 * Chromium logs every 4xx/5xx response as a console error, so a test that provokes one on purpose
 * (a wrong password, a declined card) names it with `consoleErrors.allow(/pattern/)`.
 */
/**
 * `test(title, ALONE, fn)`: the test changes what other tests of the same app would see (the shared
 * emulator's config, a global endpoint or rule, a screen of every account's events, the demo admin's
 * sessions, which any sign-out as that admin ends), so it runs in
 * project "alone" (playwright.config.ts), one at a time on a server of its own.
 */
export const ALONE = { tag: "@alone" };

export const test = base.extend<{ consoleErrors: { allow: (pattern: RegExp) => void } }>({
  consoleErrors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      const watch = (page: Page) => {
        page.on("console", (message) => {
          if (message.type() === "error") errors.push(`${page.url()}: ${message.text()} (${message.location().url})`);
        });
        page.on("pageerror", (error) => errors.push(`${page.url()}: uncaught ${error.message}`));
      };
      context.pages().forEach(watch);
      context.on("page", watch);
      await use({ allow: (pattern) => void allowed.push(pattern) });
      expect(
        errors.filter((error) => !allowed.some((pattern) => pattern.test(error))),
        "errors in the browser console",
      ).toEqual([]);
    },
    { auto: true },
  ],
});

let counter = 0;
/** A unique email per test run so runs against a reused database never collide. */
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}@example.com`;
}

export const TEST_PASSWORD = "e2e-password-42";

/**
 * A client IP of its own (X-Forwarded-For, as a proxy reports it) so the per-IP sign-up and sign-in
 * budgets of one test never run out because of other tests on the same machine.
 */
export const uniqueClientIp = () => `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

export async function signUp(page: Page, email: string, password = TEST_PASSWORD, callbackUrl?: string) {
  await page.context().setExtraHTTPHeaders({ "x-forwarded-for": uniqueClientIp() });
  await page.goto(callbackUrl ? `/sign-up?callbackUrl=${encodeURIComponent(callbackUrl)}` : "/sign-up");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText(email);
}

export async function signIn(page: Page, email: string, password = TEST_PASSWORD) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText(email);
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
}

// The e2e server (scripts/e2e-server.ts) runs the Stripe emulator here and points its webhooks at the app.
export const EMULATOR_URL = `http://127.0.0.1:${process.env.E2E_EMULATOR_PORT ?? 12199}`;
export const EMULATOR_CHECKOUT = new RegExp(`^${EMULATOR_URL.replace(/[.]/g, "\\.")}/checkout/cs_`);

/** On the emulator's hosted Checkout page: pay with a test card. */
export async function payOnCheckout(page: Page, card: string) {
  await expect(page).toHaveURL(EMULATOR_CHECKOUT);
  await page.getByLabel("Card number").fill(card);
  await page.getByLabel("Expiration").fill("12 / 34");
  await page.getByLabel("CVC").fill("123");
  await page.getByLabel("Name on card").fill("E2E Payer");
  // "Start trial" when the plan starts with a free trial (nothing is charged today), as on Stripe.
  await page.getByRole("button", { name: /^(Pay|Start trial)$/ }).click();
}

/** Signed in, no subscription yet: Pro monthly through the real pricing → Checkout → success flow. */
export async function subscribeToPro(page: Page) {
  await page.goto("/pricing");
  await page.getByRole("button", { name: "Choose Pro" }).click();
  await payOnCheckout(page, "4242 4242 4242 4242");
  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
  await expect(page.getByTestId("checkout-confirmed")).toContainText("You're on Pro");
}
