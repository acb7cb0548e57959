import type { Page } from "@playwright/test";
import { expect, signIn, signUp, subscribeToPro, test, uniqueEmail } from "./helpers";

// An iPhone SE / mini: the narrowest phone in common use.
test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

/** The page is no wider than the screen; otherwise names the elements that stick out. */
async function expectNoSidewaysScroll(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("main")).toBeVisible();
  await expectFits(page, path);
}

async function expectFits(page: Page, path: string) {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5)
      .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 0.5)
      .slice(0, 5)
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> right=${Math.round(el.getBoundingClientRect().right)}`);
    return { scrollWidth: document.documentElement.scrollWidth, width, culprits };
  });
  expect(overflow.scrollWidth, `${path} is ${overflow.scrollWidth} px wide on a ${overflow.width} px screen: ${overflow.culprits.join(", ")}`).toBeLessThanOrEqual(
    overflow.width,
  );
}

for (const path of ["/", "/pricing", "/sign-in", "/sign-up", "/billing/cancel"]) {
  test(`${path} does not scroll sideways on a 375 px phone`, async ({ page }) => {
    await expectNoSidewaysScroll(page, path);
  });
}

test("signed-in pages do not scroll sideways on a 375 px phone either", async ({ page }) => {
  await signUp(page, uniqueEmail("a-rather-long-address-for-a-phone"));
  for (const path of ["/billing", "/pricing"]) await expectNoSidewaysScroll(page, path);
});

test("the admin pages do not scroll sideways on a 375 px phone", async ({ page }) => {
  await signIn(page, "admin@example.com", "admin-password-1");
  await expectNoSidewaysScroll(page, "/admin");
});

test("/billing with API keys (and a new key shown) does not scroll sideways on a 375 px phone", async ({ page }) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail("phone-keys"));
  await subscribeToPro(page);
  await page.goto("/billing");
  await page.getByRole("heading", { name: "API keys" }).scrollIntoViewIfNeeded();
  for (const name of ["production-backend-service-eu-west", "nightly-batch-importer"]) {
    await page.getByLabel("Key name").fill(name);
    await page.getByLabel("Expires on (optional)").fill("2031-12-31");
    await page.getByRole("button", { name: "Create key" }).click();
    await expect(page.getByTestId("new-api-key")).toContainText(name);
  }
  await expect(page.getByTestId("api-key-row")).toHaveCount(2);
  await expectFits(page, "/billing with two keys and the new key");
  // Reloaded: the server-rendered list (before the manager loads) fits too, and so does the manager.
  await expectNoSidewaysScroll(page, "/billing");
  await page.getByRole("heading", { name: "API keys" }).scrollIntoViewIfNeeded();
  await expect(page.getByRole("button", { name: "Create key" })).toBeEnabled();
  await expectFits(page, "/billing with two keys");
});
