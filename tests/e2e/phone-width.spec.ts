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
      .map(
        (el) =>
          `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> right=${Math.round(el.getBoundingClientRect().right)}`,
      );
    return { scrollWidth: document.documentElement.scrollWidth, width, culprits };
  });
  expect(
    overflow.scrollWidth,
    `${path} is ${overflow.scrollWidth} px wide on a ${overflow.width} px screen: ${overflow.culprits.join(", ")}`,
  ).toBeLessThanOrEqual(overflow.width);
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

test("the organization screens do not scroll sideways on a 375 px phone (a long name, an invitation link shown, the switcher open)", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const name = "Extraordinarily Long Organization Name Incorporated International";
  await signUp(page, uniqueEmail("phone-org-owner"));
  await expectNoSidewaysScroll(page, "/settings/organization");
  // Created from the page (a personal account is selected): the organization is then selected.
  await page.getByRole("main").getByLabel("New organization").fill(name);
  await page.getByRole("main").getByRole("button", { name: "Create" }).click();
  await expect(page.getByTestId("organization-heading")).toContainText(name);
  await page.getByLabel("Email address").fill(uniqueEmail("a-rather-long-address-for-an-invitee"));
  await page.getByRole("button", { name: "Send invitation" }).click();
  const link = (await page.getByTestId("invitation-link").textContent())!;
  await expect(page.getByTestId("invitation-row")).toHaveCount(1);
  await expectFits(page, "/settings/organization with an invitation link shown");
  await page.getByRole("button", { name: /Switch account/ }).click();
  await expect(page.getByRole("list", { name: "Accounts" })).toBeVisible();
  await expectFits(page, "/settings/organization with the account switcher open");
  for (const path of ["/billing", "/dashboard", new URL(link).pathname + new URL(link).search]) await expectNoSidewaysScroll(page, path);
});

test("/pricing at 375 px: the comparison table scrolls under a sticky first column, says so, and reaches Enterprise", async ({ page }) => {
  await page.goto("/pricing");
  const scroller = page.getByTestId("compare-scroller");
  await scroller.scrollIntoViewIfNeeded();
  await expect(page.getByTestId("compare-scroll-hint")).toBeVisible();
  await expect(scroller).toHaveAccessibleDescription(/sideways/);

  const rowHeaders = scroller.locator("tbody th");
  const firstColumn = rowHeaders.first();
  const before = (await firstColumn.boundingBox())!;
  // Labels stay readable: at most two lines each (they wrapped to three or four).
  for (const height of await rowHeaders.evaluateAll((cells) => cells.map((c) => c.getBoundingClientRect().height))) {
    expect(height).toBeLessThanOrEqual(24 + 2 * 20 + 1);
  }

  const scrolled = await scroller.evaluate((el) => {
    el.scrollLeft = el.scrollWidth;
    return el.scrollLeft;
  });
  expect(scrolled, "the table scrolls sideways at 375 px").toBeGreaterThan(0);
  const after = (await firstColumn.boundingBox())!;
  expect(Math.abs(after.x - before.x), "the first column stays where it was").toBeLessThanOrEqual(0.5);

  // Enterprise is on screen beside the sticky column, not under it or past the edge.
  const enterprise = (await scroller.getByRole("columnheader", { name: "Enterprise" }).boundingBox())!;
  const box = (await scroller.boundingBox())!;
  expect(enterprise.x).toBeGreaterThanOrEqual(after.x + after.width - 0.5);
  expect(enterprise.x + enterprise.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
  await expect(scroller.getByTestId("compare-overage-enterprise-tokens")).toBeInViewport();
});

test.describe("at desktop width", () => {
  test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

  test("/pricing with Yearly on: the plan cards' buttons line up", async ({ page }) => {
    await page.goto("/pricing");
    await expect(page.getByTestId("pricing-plans")).toHaveAttribute("data-viewer-known", "true");
    await page.getByRole("radio", { name: /Yearly/ }).check();
    await expect(page.getByTestId("plan-price-pro")).toContainText("billed yearly");
    const tops: number[] = [];
    for (const id of ["free", "pro", "scale", "enterprise"]) {
      const cta = page.getByTestId(`plan-card-${id}`).locator("a, button").first();
      await expect(cta).toBeVisible();
      tops.push((await cta.boundingBox())!.y);
    }
    expect(Math.max(...tops) - Math.min(...tops), `button tops: ${tops.join(", ")}`).toBeLessThanOrEqual(0.5);
  });

  test("/pricing says allowances renew monthly, also billed yearly, and shows the AI-token overage price", async ({ page }) => {
    await page.goto("/pricing?interval=year");
    const scale = page.getByTestId("plan-card-scale");
    await expect(scale).toContainText("Every month, billed yearly");
    await expect(page.getByTestId("plan-limits-scale")).toContainText("1,000,000 / month");
    for (const id of ["pro", "scale"]) {
      await expect(page.getByTestId(`plan-overage-${id}-tokens`)).toHaveText("then $0.02 per 1,000 tokens");
      await expect(page.getByTestId(`compare-overage-${id}-tokens`)).toHaveText("$0.02 per 1,000 tokens");
    }
    await expect(page.getByTestId("plan-overage-free-tokens")).toHaveCount(0);
    await expect(page.getByTestId("compare-overage-free-tokens")).toHaveText(/Not included/);
    await page.getByRole("radio", { name: "Monthly" }).check();
    await expect(scale).not.toContainText("billed yearly");
    await expect(page.getByTestId("plan-limits-scale")).toContainText("1,000,000 / month");
  });
});
