import { type Page, request as playwrightRequest } from "@playwright/test";
import { E2E_BASE_URL } from "../../playwright.config";
import { expectAccessible } from "./a11y";
import { expect, signUp, subscribeToPro, test, uniqueEmail } from "./helpers";

const EMULATOR_URL = `http://127.0.0.1:${process.env.E2E_EMULATOR_PORT ?? 12199}`;

async function runJob(page: Page, expectedUsed: string) {
  await page.getByRole("button", { name: "Run a job" }).click();
  await expect(page.getByTestId("jobs-used")).toHaveText(expectedUsed);
}

test("run the demo job until the quota runs out, see 402 and the upgrade prompt, upgrade through Checkout, run again", async ({
  page,
  consoleErrors,
}) => {
  // Signed in, Run a job names the selected account (`?accountId=`, here the personal one).
  consoleErrors.allow(/status of 402 .*\/api\/demo\/jobs\?accountId=[0-9a-f-]+\)$/);
  await signUp(page, uniqueEmail("jobs"));
  await page.goto("/dashboard");
  await expect(page.getByTestId("jobs-used")).toHaveText("0 of 5 jobs used");
  for (let i = 1; i <= 4; i += 1) await runJob(page, `${i} of 5 jobs used`);

  await page.goto("/billing");
  await expect(page.getByTestId("meter-jobs")).toHaveAttribute("data-state", "warning");
  await expect(page.getByTestId("meter-jobs-text")).toHaveText("4 / 5 jobs (80%)");
  // 80 %: the upgrade is offered on the meter, and a warning shows on every page until 100 %.
  await expect(page.getByTestId("meter-jobs-warning").getByRole("link", { name: "Upgrade before you reach it" })).toHaveAttribute(
    "href",
    "/pricing",
  );
  await expect(page.getByTestId("usage-alert-jobs")).toContainText("Jobs: 80% of the 5 of this period used");
  await page.getByRole("group", { name: "Meter" }).getByRole("button", { name: "Jobs" }).click();
  await expect(page.getByTestId("usage-chart").locator(".recharts-bar-rectangle")).not.toHaveCount(0);

  await page.goto("/dashboard");
  await runJob(page, "5 of 5 jobs used");
  await page.getByRole("button", { name: "Run a job" }).click();
  const blocked = page.getByTestId("quota-exceeded");
  await expect(blocked).toContainText("5 of 5 jobs on the Free plan");
  await expect(page.getByRole("button", { name: "Run a job" })).toBeDisabled();

  await page.goto("/billing");
  await expect(page.getByTestId("meter-jobs")).toHaveAttribute("data-state", "exceeded");
  await expect(page.getByTestId("usage-alert-jobs")).toContainText("Jobs: all 5 of this period used");
  await page.getByTestId("meter-jobs-upgrade").getByRole("link", { name: "Upgrade for more" }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  await page.getByRole("button", { name: "Choose Pro" }).click();
  await expect(page).toHaveURL(new RegExp(`^${EMULATOR_URL.replace(/[.]/g, "\\.")}/checkout/cs_`));
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByLabel("Expiration").fill("12 / 34");
  await page.getByLabel("CVC").fill("123");
  await page.getByLabel("Name on card").fill("E2E Payer");
  await page.getByRole("button", { name: /^(Pay|Start trial)$/ }).click();
  await expect(page.getByTestId("checkout-confirmed")).toContainText("You're on Pro");

  await page.goto("/dashboard");
  // The subscription starts a new billing period (Free counted the calendar month): 0 of Pro's 500.
  await expect(page.getByTestId("jobs-used")).toHaveText("0 of 500 jobs used");
  // The warning was about the Free period: on Pro it is gone.
  await expect(page.getByTestId("usage-alerts")).toHaveCount(0);
  await runJob(page, "1 of 500 jobs used");
  await expect(page.getByTestId("job-result")).toBeVisible();

  // Pro caps API calls at 2,000 per UTC clock hour too: 80 % of that hour shows its own warning,
  // which names the hour and when it resets. (Not in the last half-minute of an hour: the warning
  // is only true until the hour ends.)
  const toNextHour = 3_600_000 - (Date.now() % 3_600_000);
  if (toNextHour < 30_000) await page.waitForTimeout(toNextHour + 1_000);
  const used = await page.request.post("/api/billing/usage", { data: { meter: "api_calls", quantity: 1_600, idempotencyKey: "hour-80" } });
  expect(used.status()).toBe(200);
  const nextHour = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000).toISOString().slice(11, 16);
  await page.goto("/dashboard");
  const hourly = page.getByTestId("usage-alert-api_calls-hour");
  await expect(hourly).toContainText(
    `API calls: 80% of the 2,000 allowed per hour used this hour; the hourly count resets at ${nextHour} UTC.`,
  );
  await expect(page.getByTestId("usage-alert-api_calls")).toHaveCount(0); // the period's 50,000 is far off
  await hourly.getByRole("button", { name: "Dismiss the API calls hour warning" }).click();
  await expect(page.getByTestId("usage-alerts")).toHaveCount(0);
  // Dismissed for the rest of that hour: the read behind the banner no longer returns it.
  await expect
    .poll(async () => ((await (await page.request.get("/api/billing/usage-alerts")).json()) as { alerts: unknown[] }).alerts)
    .toEqual([]);

  // Pro on Stripe bills AI tokens past its 2,000,000 (500 tokens a cent). Under a 25-cent spend cap,
  // 10,000 tokens past the limit cost 20 cents, 80 % of the cap: the warning names the money, and
  // its button leads to the cap.
  expect((await page.request.post("/api/billing/spend-cap", { data: { capCents: 25 } })).status()).toBe(200);
  const tokens = await page.request.post("/api/billing/usage", {
    data: { meter: "tokens", quantity: 2_010_000, idempotencyKey: "cap-80" },
  });
  expect(tokens.status()).toBe(200);
  await page.goto("/dashboard");
  const capAlert = page.getByTestId("usage-alert-tokens-spend_cap");
  await expect(capAlert).toContainText("AI tokens: 80% of the $0.25 spend cap on billed usage is spent ($0.20)");
  await capAlert.getByRole("button", { name: "Change the cap" }).click();
  await expect(page).toHaveURL(/\/billing#spend-cap$/);
  await expect(page.getByTestId("spend-cap-status")).toContainText("Cap: $0.25 a month.");
});

test("create an API key, use it from a service with a Bearer header, revoke it, see it refused", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 403 .*\/api\/billing\/api-keys\)$/);
  await signUp(page, uniqueEmail("apikey"));
  // API access is a Pro and Scale feature: Free is told so, and creating a key is refused.
  await page.goto("/billing#api-keys");
  await expect(page.getByTestId("api-access-not-in-plan")).toContainText("API access is included in Pro and Scale");
  await page.getByLabel("Key name").fill("backend");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "API access is not included in the Free plan" })).toBeVisible();
  await expect(page.getByTestId("api-key-list")).toHaveCount(0);

  await subscribeToPro(page);
  await page.goto("/billing#api-keys");
  await expect(page.getByTestId("api-access-not-in-plan")).toHaveCount(0);
  await page.getByLabel("Key name").fill("backend");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key-value").textContent())?.trim() ?? "";
  expect(key).toMatch(/^nsb_/);
  await expect(page.getByTestId("api-key-list")).toContainText("backend");

  // A separate client with no cookies: only the key identifies the account.
  const service = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL });
  const auth = { authorization: `Bearer ${key}` };
  const recorded = await service.post("/api/billing/usage", {
    headers: auth,
    data: { meter: "api_calls", quantity: 3, idempotencyKey: "svc-1" },
  });
  expect(recorded.status()).toBe(200);
  expect(await recorded.json()).toMatchObject({ allowed: true, meter: "api_calls", used: 3, limit: 50_000, remaining: 49_997 });
  expect(recorded.headers()["ratelimit-remaining"]).toBe("49997");
  const quota = await service.get("/api/billing/quota", { headers: auth });
  expect(await quota.json()).toMatchObject({ plan: "pro", meters: { api_calls: { used: 3 } } });

  await page.reload();
  await expect(page.getByTestId("meter-api_calls-text")).toContainText("3 / 50,000 calls");
  // Revoking asks first; Cancel keeps the key.
  await page.getByRole("button", { name: "Revoke backend" }).click();
  await page.getByRole("group", { name: "Revoke backend?" }).getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByTestId("api-key-list")).toHaveCount(0);

  const refused = await service.get("/api/billing/quota", { headers: auth });
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toMatchObject({ error: "unauthorized" });
  await service.dispose();
});

/** On /billing: scrolls the key manager into view (it loads then) and creates a key there. */
async function createKeyOnBilling(page: Page, name: string): Promise<string> {
  await page.getByRole("heading", { name: "API keys" }).scrollIntoViewIfNeeded();
  await page.getByLabel("Key name").fill(name);
  await page.getByRole("button", { name: "Create key" }).click();
  const value = page.getByTestId("new-api-key-value");
  await expect(value).toHaveText(/^nsb_/);
  return (await value.textContent())!.trim();
}

/** The element's painted background, as sRGB relative luminance (0 black … 1 white). */
async function backgroundLuminance(page: Page, testId: string): Promise<number> {
  return page
    .getByTestId(testId)
    .first()
    .evaluate((element) => {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 1;
      const context = canvas.getContext("2d")!;
      context.fillStyle = getComputedStyle(element).backgroundColor;
      context.fillRect(0, 0, 1, 1);
      const [r, g, b] = [...context.getImageData(0, 0, 1, 1).data].map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    });
}

test("the one-time key: readable in dark mode, Copy puts it on the clipboard; Revoke asks first and Cancel keeps the key", async ({
  page,
  context,
}) => {
  test.setTimeout(240_000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.emulateMedia({ colorScheme: "dark" });
  await signUp(page, uniqueEmail("copykey"));
  await subscribeToPro(page);
  await page.goto("/billing");
  const key = await createKeyOnBilling(page, "worker");

  // Dark mode: no contrast problem (the key was near-white on white), and the tinted notice and the
  // status pill are dark like the page, not light patches on it.
  await expectAccessible(page, "phone-dark-billing-new-key");
  expect(await backgroundLuminance(page, "new-api-key")).toBeLessThan(0.1);
  expect(await backgroundLuminance(page, "subscription-status")).toBeLessThan(0.1);

  await page.getByTestId("new-api-key").getByRole("button", { name: "Copy" }).click();
  await expect(page.getByTestId("copy-confirmation")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

  await page.getByRole("button", { name: "Revoke worker" }).click();
  const confirm = page.getByRole("group", { name: "Revoke worker?" });
  await expect(confirm.getByRole("button", { name: "Revoke key" })).toBeFocused();
  await expectAccessible(page, "phone-dark-billing-revoke-confirm");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Revoke worker" })).toBeFocused();
  await page.reload();
  await page.getByRole("heading", { name: "API keys" }).scrollIntoViewIfNeeded();
  await expect(page.getByTestId("api-key-list")).toContainText("worker");
  const quota = await page.request.get("/api/billing/quota", { headers: { authorization: `Bearer ${key}` } });
  expect(quota.status()).toBe(200);
});

test("/billing loads recharts and the key manager only once they are scrolled into view", async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 375, height: 480 });
  await signUp(page, uniqueEmail("lazy"));
  const scripts: string[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") scripts.push(response.url());
  });
  const loadedCode = async () => {
    const bodies = await Promise.all([...new Set(scripts)].map(async (url) => (await page.request.get(url)).text()));
    return bodies.join("\n");
  };
  await page.goto("/billing");
  await page.waitForLoadState("networkidle");
  // Hydrated (the meter buttons wait for it), with the chart and the keys below the fold.
  await expect(page.getByRole("group", { name: "Meter" }).getByRole("button").first()).toBeEnabled();
  await expect(page.getByTestId("usage-chart")).not.toBeInViewport();
  const initial = await loadedCode();
  expect(initial, "recharts in the first load").not.toContain("recharts-wrapper");
  expect(initial, "the key manager in the first load").not.toContain("/api/billing/api-keys");
  // The placeholder holds the chart's place: the frame keeps its height when the chart arrives.
  const frameHeight = (await page.getByTestId("usage-chart").boundingBox())!.height;

  await page.getByTestId("usage-chart").scrollIntoViewIfNeeded();
  await expect(page.getByTestId("usage-chart").locator(".recharts-wrapper")).toBeVisible();
  expect((await page.getByTestId("usage-chart").boundingBox())!.height).toBe(frameHeight);
  expect(await loadedCode()).toContain("recharts-wrapper");

  await page.getByRole("heading", { name: "API keys" }).scrollIntoViewIfNeeded();
  await expect(page.getByRole("button", { name: "Create key" })).toBeEnabled();
  expect(await loadedCode()).toContain("/api/billing/api-keys");
});

test("the daily chart opens on the meter in use, labels days in the viewer's locale and ends today", async ({ page }) => {
  await signUp(page, uniqueEmail("chart"));
  await page.goto("/dashboard");
  await runJob(page, "1 of 5 jobs used");
  await page.goto("/billing");
  // Only jobs were used: the chart opens on Jobs, not on API calls.
  await expect(page.getByRole("group", { name: "Meter" }).getByRole("button", { name: "Jobs" })).toHaveAttribute("aria-pressed", "true");
  const chart = page.getByTestId("usage-chart");
  await chart.scrollIntoViewIfNeeded();
  await expect(chart.locator(".recharts-bar-rectangle")).not.toHaveCount(0);
  // The last day is today (UTC days), with no empty bar for tomorrow, labelled "Dec 3", not "12-03".
  const today = new Date().toISOString().slice(0, 10);
  await expect(chart).toHaveAttribute("data-last-date", today);
  const label = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(
    new Date(`${today}T00:00:00Z`),
  );
  await expect(chart.locator(`[class*="xAxis"] .recharts-cartesian-axis-tick-value`).last()).toHaveText(label);
});

test("after a reload with the job allowance used up, Run a job is disabled and the upgrade prompt shown", async ({ page }) => {
  await signUp(page, uniqueEmail("jobs-reload"));
  await page.goto("/dashboard");
  // Used up elsewhere (another tab, a service): the page learns it only from the server.
  const statuses = await page.evaluate(async () => {
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push((await fetch("/api/demo/jobs", { method: "POST" })).status);
    return answers;
  });
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  await page.reload();
  await expect(page.getByTestId("jobs-used")).toHaveText("5 of 5 jobs used");
  await expect(page.getByTestId("quota-exceeded")).toContainText("5 of 5 jobs on the Free plan");
  await expect(page.getByTestId("quota-exceeded").getByRole("link", { name: "Upgrade your plan" })).toHaveAttribute("href", "/pricing");
  await expect(page.getByRole("button", { name: "Run a job" })).toBeDisabled();
  // Dark mode: the notice is dark like the page and passes axe.
  await page.emulateMedia({ colorScheme: "dark" });
  await expectAccessible(page, "dark-dashboard-quota-exceeded");
  expect(await backgroundLuminance(page, "quota-exceeded")).toBeLessThan(0.1);
});

test("an owner sets a monthly spend cap on billed overage from the billing page, and removes it", async ({ page }) => {
  await signUp(page, uniqueEmail("spend-cap"));
  await page.goto("/billing");
  const status = page.getByTestId("spend-cap-status");
  await expect(status).toContainText("No cap: overage is billed in full.");
  await page.getByTestId("spend-cap-input").fill("25");
  await page.getByTestId("spend-cap-save").click();
  await expect(page.getByTestId("spend-cap-message")).toHaveText("Spend cap set to $25.00 a month.");
  await expect(status).toContainText("Cap: $25.00 a month.");
  // The API reads what the form saved, in minor units.
  const saved = await page.evaluate(async () => (await fetch("/api/billing/spend-cap")).json());
  expect(saved).toMatchObject({ capCents: 2_500, spentCents: 0, currency: "usd" });
  await page.reload();
  await expect(page.getByTestId("spend-cap-input")).toHaveValue("25.00");
  await page.getByTestId("spend-cap-clear").click();
  await expect(page.getByTestId("spend-cap-message")).toHaveText("Spend cap removed.");
  await expect(status).toContainText("No cap");
});
