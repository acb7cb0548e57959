import { expect, type Page } from "@playwright/test";

let counter = 0;
/** A unique email per test run so runs against a reused database never collide. */
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}@example.com`;
}

export const TEST_PASSWORD = "e2e-password-42";

export async function signUp(page: Page, email: string, password = TEST_PASSWORD, callbackUrl?: string) {
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
  await page.getByRole("button", { name: "Pay" }).click();
}

/** Signed in, no subscription yet: Pro monthly through the real pricing → Checkout → success flow. */
export async function subscribeToPro(page: Page) {
  await page.goto("/pricing");
  await page.getByRole("button", { name: "Choose Pro" }).click();
  await payOnCheckout(page, "4242 4242 4242 4242");
  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
  await expect(page.getByTestId("checkout-confirmed")).toContainText("You're on Pro");
}
