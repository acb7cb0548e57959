import type { Page } from "@playwright/test";
import { expectAccessible, expectNoSidewaysScroll } from "./a11y";
import { expect, signOut, signUp, subscribeToPro, test, uniqueEmail } from "./helpers";

// Every non-admin screen (admin screens: admin.spec.ts), signed out and signed in, checked by axe
// on a desktop in light mode and on a 375 px phone in dark mode.
const PUBLIC_PAGES = ["/", "/pricing", "/sign-in", "/sign-up", "/dashboard", "/invitations/accept?token=not-a-real-token-value-000"];
// /pricing's 375 px layout is issue 7's fix (with its own test); every other page is checked here.
const SIDEWAYS_CHECKED_ELSEWHERE = new Set(["/pricing"]);
const SIGNED_IN_PAGES = ["/billing", "/billing/cancel", "/billing/success"];

async function checkAll(page: Page, paths: string[], prefix: string, phone: boolean) {
  for (const path of paths) {
    await page.goto(path);
    await expect(page.getByRole("main")).toBeVisible();
    if (phone && !SIDEWAYS_CHECKED_ELSEWHERE.has(path)) await expectNoSidewaysScroll(page);
    await expectAccessible(page, `${prefix}${path === "/" ? "-home" : path.replaceAll("/", "-")}`);
  }
}

/**
 * The organization screens (issue 20): /settings/organization on a personal account, then with an
 * organization selected through the header's switcher (open, checked too) and an invitation
 * pending, its billing and dashboard, and the invitation link signed out and signed in as the invitee.
 */
async function checkOrganizationScreens(page: Page, prefix: string, phone: boolean) {
  const invitee = uniqueEmail(`${prefix}-invitee`);
  await signUp(page, uniqueEmail(`${prefix}-org-owner`));
  await checkAll(page, ["/settings/organization"], `${prefix}-personal`, phone);
  const created = await page.request.post("/api/orgs", { data: { name: "Accessible Organization Ltd" } });
  expect(created.status()).toBe(201);
  const org = (await created.json()) as { id: string };
  const invited = await page.request.post(`/api/orgs/${org.id}/invitations`, { data: { email: invitee, role: "admin" } });
  expect(invited.status()).toBe(201);
  const acceptUrl = new URL(((await invited.json()) as { acceptUrl: string }).acceptUrl);
  await page.goto("/dashboard");
  await page.getByRole("button", { name: /Switch account/ }).click();
  await expect(page.getByRole("list", { name: "Accounts" })).toBeVisible();
  if (phone) await expectNoSidewaysScroll(page);
  await expectAccessible(page, `${prefix}-account-switcher`);
  await page
    .getByRole("list", { name: "Accounts" })
    .getByRole("button", { name: /^Accessible Organization Ltd/ })
    .click();
  await expect(page.getByTestId("current-account")).toHaveText("Accessible Organization Ltd");
  await checkAll(page, ["/settings/organization", "/billing", "/dashboard"], `${prefix}-org`, phone);
  await page.goto("/settings/organization");
  await expect(page.getByTestId("invitation-row")).toContainText(invitee);
  await expectAccessible(page, `${prefix}-org-settings-loaded`);

  await signOut(page);
  await checkAll(page, [acceptUrl.pathname + acceptUrl.search], `${prefix}-invitation-signed-out`, phone);
  await signUp(page, invitee);
  await page.goto(acceptUrl.pathname + acceptUrl.search);
  await expect(page.getByRole("button", { name: "Accept invitation to Accessible Organization Ltd as admin" })).toBeEnabled();
  if (phone) await expectNoSidewaysScroll(page);
  await expectAccessible(page, `${prefix}-invitation-signed-in`);
}

test("desktop, light: every screen has no serious or critical axe violation", async ({ page }) => {
  test.setTimeout(180_000);
  await checkAll(page, PUBLIC_PAGES, "desktop", false);
  await signUp(page, uniqueEmail("a11y"));
  await checkAll(page, SIGNED_IN_PAGES, "desktop", false);
});

test("desktop, light: the organization screens have no serious or critical axe violation", async ({ page }) => {
  test.setTimeout(180_000);
  await checkOrganizationScreens(page, "desktop", false);
});

test.describe("phone, dark", () => {
  test.use({ viewport: { width: 375, height: 740 }, colorScheme: "dark" });

  test("every screen fits 375 px and has no serious or critical axe violation", async ({ page }) => {
    test.setTimeout(180_000);
    await checkAll(page, PUBLIC_PAGES, "phone-dark", true);
    await signUp(page, uniqueEmail("a11y-phone"));
    await checkAll(page, SIGNED_IN_PAGES, "phone-dark", true);
  });

  test("the organization screens fit 375 px and have no serious or critical axe violation", async ({ page }) => {
    test.setTimeout(180_000);
    await checkOrganizationScreens(page, "phone-dark", true);
  });
});

test("keyboard only: the plan toggle on /pricing", async ({ page }) => {
  await page.goto("/pricing");
  const monthly = page.getByRole("radio", { name: "Monthly" });
  await expect(monthly).toBeChecked();
  // The plans stay inert until the browser knows who is visiting (a focused radio inside an inert
  // element takes no key press): wait for that, not for the header, which learns it separately.
  await expect(page.getByTestId("pricing-plans")).toHaveAttribute("data-viewer-known", "true");
  // One tab stop for the group; arrow keys move the choice.
  await monthly.focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("radio", { name: /Yearly/ })).toBeChecked();
  await expect(page.getByTestId("plan-price-pro")).toContainText("$190");
  await page.keyboard.press("ArrowLeft");
  await expect(monthly).toBeChecked();
  await expect(page.getByTestId("plan-price-pro")).toContainText("$19");
});

test("keyboard only: change plan, preview and confirm on /billing", async ({ page }) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail("a11y-keys"));
  await subscribeToPro(page);
  await page.goto("/billing#change-plan");
  const section = page.locator("#change-plan");
  // Enabled once hydrated (before that a key press would reach no handler).
  await expect(section.getByRole("button", { name: "Preview Scale monthly" })).toBeEnabled();
  await section.getByRole("button", { name: "Preview Scale monthly" }).focus();
  await page.keyboard.press("Enter");
  const preview = page.getByTestId("change-preview");
  await expect(preview).toContainText("Upgrade to Scale (monthly)");
  await expectAccessible(page, "desktop-change-plan-preview");
  // Back by keyboard, then preview again and confirm with the space bar.
  await preview.getByRole("button", { name: "Back" }).focus();
  await page.keyboard.press("Enter");
  await expect(preview).toHaveCount(0);
  await section.getByRole("button", { name: "Preview Scale monthly" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Confirm change" }).focus();
  await page.keyboard.press("Space");
  await expect(page.getByTestId("current-plan")).toHaveText("Scale", { timeout: 20_000 });
});

for (const colorScheme of ["light", "dark"] as const) {
  test(`unknown URLs and forbidden pages are the app's own, with a way home and the support address (${colorScheme})`, async ({
    page,
    consoleErrors,
  }) => {
    consoleErrors.allow(/status of 404 .*\/no-such-page\)$/);
    consoleErrors.allow(/status of 403 .*\/admin\)$/);
    await page.emulateMedia({ colorScheme });
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("404 — Page not found");
    // The app's layout (header, font), not Next's bare default page.
    await expect(page.getByRole("banner")).toBeVisible();
    await expect(page.getByRole("main").getByRole("link", { name: "Back to the home page" })).toHaveAttribute("href", "/");
    await expect(page.getByTestId("support-contact").getByRole("link", { name: "support@example.com" })).toHaveAttribute(
      "href",
      "mailto:support@example.com",
    );
    await expectAccessible(page, `${colorScheme}-not-found`);

    await signUp(page, uniqueEmail("forbidden"));
    expect((await page.goto("/admin"))?.status()).toBe(403);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("403 — Forbidden");
    await expect(page.getByTestId("support-contact")).toContainText("support@example.com");
    await expectAccessible(page, `${colorScheme}-forbidden`);
  });
}
