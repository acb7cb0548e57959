import { expect, type Page } from "@playwright/test";

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
export const uniqueClientIp = () =>
  `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

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
