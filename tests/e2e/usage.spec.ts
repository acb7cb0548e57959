import { type Page, request as playwrightRequest } from "@playwright/test";
import { E2E_BASE_URL } from "../../playwright.config";
import { expect, signUp, test, uniqueEmail } from "./helpers";

const EMULATOR_URL = `http://127.0.0.1:${process.env.E2E_EMULATOR_PORT ?? 12199}`;

async function runJob(page: Page, expectedUsed: string) {
  await page.getByRole("button", { name: "Run a job" }).click();
  await expect(page.getByTestId("jobs-used")).toHaveText(expectedUsed);
}

test("run the demo job until the quota runs out, see 402 and the upgrade prompt, upgrade through Checkout, run again", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 402 .*\/api\/demo\/jobs\)$/);
  await signUp(page, uniqueEmail("jobs"));
  await page.goto("/dashboard");
  await expect(page.getByTestId("jobs-used")).toHaveText("0 of 5 jobs used");
  for (let i = 1; i <= 4; i += 1) await runJob(page, `${i} of 5 jobs used`);

  await page.goto("/billing");
  await expect(page.getByTestId("meter-jobs")).toHaveAttribute("data-state", "warning");
  await expect(page.getByTestId("meter-jobs-text")).toHaveText("4 / 5 jobs (80%)");
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
  await runJob(page, "1 of 500 jobs used");
  await expect(page.getByTestId("job-result")).toBeVisible();
});

test("create an API key, use it from a service with a Bearer header, revoke it, see it refused", async ({ page }) => {
  await signUp(page, uniqueEmail("apikey"));
  await page.goto("/billing#api-keys");
  await page.getByLabel("Key name").fill("backend");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key-value").textContent())?.trim() ?? "";
  expect(key).toMatch(/^nsb_/);
  await expect(page.getByTestId("api-key-list")).toContainText("backend");

  // A separate client with no cookies: only the key identifies the account.
  const service = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL });
  const auth = { authorization: `Bearer ${key}` };
  const recorded = await service.post("/api/billing/usage", { headers: auth, data: { meter: "api_calls", quantity: 3, idempotencyKey: "svc-1" } });
  expect(recorded.status()).toBe(200);
  expect(await recorded.json()).toMatchObject({ allowed: true, meter: "api_calls", used: 3, limit: 1000, remaining: 997 });
  expect(recorded.headers()["ratelimit-remaining"]).toBe("997");
  const quota = await service.get("/api/billing/quota", { headers: auth });
  expect(await quota.json()).toMatchObject({ plan: "free", meters: { api_calls: { used: 3 } } });

  await page.reload();
  await expect(page.getByTestId("meter-api_calls-text")).toContainText("3 / 1,000 calls");
  await page.getByRole("button", { name: "Revoke backend" }).click();
  await expect(page.getByTestId("api-key-list")).toHaveCount(0);

  const refused = await service.get("/api/billing/quota", { headers: auth });
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toMatchObject({ error: "unauthorized" });
  await service.dispose();
});
