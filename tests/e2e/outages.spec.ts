import { DEFAULT_WEBHOOK_SECRET } from "stripe-emulator";
import { startPrivatePostgres, type PrivatePostgres } from "../../scripts/lib/private-postgres";
import { EMULATOR_CHECKOUT, EMULATOR_URL, expect, payOnCheckout, signUp, test, uniqueEmail } from "./helpers";
import { startSecondApp } from "./second-app";

/**
 * What a customer sees in a real browser while a dependency is down, and that the page comes back
 * by itself once it returns: Stripe hung while the success page polls, and the database stopped
 * under a page (app/error.tsx).
 */
test.describe.configure({ mode: "serial" });

async function emulatorConfig(settings: Record<string, unknown>) {
  const res = await fetch(`${EMULATOR_URL}/_emulator/config`, { method: "POST", body: JSON.stringify(settings) });
  expect(res.ok).toBeTruthy();
}

test("the success page keeps polling through a Stripe outage, says so, and confirms once Stripe is back", async ({
  page,
  consoleErrors,
}) => {
  test.setTimeout(120_000);
  consoleErrors.allow(/status of 503 .*\/api\/billing\/checkout\/status/);
  await signUp(page, uniqueEmail("stripe-outage"));
  await page.goto("/pricing");
  await page.getByRole("button", { name: "Choose Pro" }).click();
  await expect(page).toHaveURL(EMULATOR_CHECKOUT);

  // Stripe takes the payment, then stops answering (longer than the app's 5 s Stripe timeout) before
  // its webhook arrives: the page can only learn the outcome by asking Stripe.
  await emulatorConfig({ deliveryPaused: true });
  try {
    await payOnCheckout(page, "4242 4242 4242 4242");
    await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
    await emulatorConfig({ latencyMs: 8_000 });
    const outage = page.getByTestId("checkout-outage");
    await expect(outage).toContainText("Stripe is not answering right now", { timeout: 60_000 });
    await expect(outage).toContainText("Your payment is safe");
    await expect(page.getByTestId("checkout-confirming")).toContainText("Confirming your payment…");
    await expect(page.getByTestId("checkout-confirmed")).toHaveCount(0);
  } finally {
    await emulatorConfig({ latencyMs: 0, deliveryPaused: false });
  }
  // Still polling: it confirms by itself, with no reload.
  await expect(page.getByTestId("checkout-confirmed")).toContainText("You're on Pro", { timeout: 30_000 });
  await expect(page.getByTestId("checkout-outage")).toHaveCount(0);
});

// A second `next start` of the same build on a private PostgreSQL this test may stop (never the
// server the other tests use). It needs the PostgreSQL server binaries, so it runs where the
// Postgres half of the integration tests runs (DATABASE_URL set, as in CI; describe.runIf there).
if (process.env.DATABASE_URL) defineDatabaseOutageTests();

function defineDatabaseOutageTests() {
  test.describe("the database stops under a running production app", () => {
    let pg: PrivatePostgres;
    let app: Awaited<ReturnType<typeof startSecondApp>>;

    test.beforeAll(async () => {
      test.setTimeout(120_000);
      pg = await startPrivatePostgres();
      app = await startSecondApp({
        DATABASE_URL: pg.url,
        DATABASE_CONNECT_TIMEOUT_MS: "1000",
        DATABASE_STATEMENT_TIMEOUT_MS: "2000",
        STRIPE_EMULATOR_URL: EMULATOR_URL,
        STRIPE_WEBHOOK_SECRET: DEFAULT_WEBHOOK_SECRET,
        SUPPORT_EMAIL: "help@outage.example",
      });
    });
    test.afterAll(() => {
      app?.stop();
      pg?.destroy();
    });

    test("a page shows the friendly error page, the API answers 503 database_unavailable, and both recover", async ({ browser }) => {
      test.setTimeout(90_000);
      const context = await browser.newContext({ baseURL: app.url });
      const page = await context.newPage();
      try {
        await signUp(page, uniqueEmail("db-outage"));
        await page.goto("/billing");
        await expect(page.getByTestId("current-plan")).toHaveText("Free");

        pg.stop();
        // The page request that discovers the outage renders app/error.tsx; the ones after it get
        // proxy.ts's 503 page (the next test). Which one the reload is depends on whether one of
        // Next's link prefetches reached the server first (under CI load it sometimes does): either
        // way the visitor gets a friendly page that says nothing was lost.
        await page.reload();
        const error = page.getByTestId("page-error").or(page.getByRole("alert").filter({ hasText: "We'll be right back" }));
        await expect(error).toContainText(/We can't load this page right now|We'll be right back/);
        await expect(error).toContainText("nothing was lost");
        // Nothing about the failure leaks into the page.
        await expect(page.locator("body")).not.toContainText(/ECONNREFUSED|postgres|stack/i);

        const started = Date.now();
        const api = await page.request.get("/api/billing/subscription");
        expect(api.status()).toBe(503);
        expect(await api.json()).toMatchObject({ error: "database_unavailable" });
        expect(Date.now() - started).toBeLessThan(5_000);

        pg.start();
        // "Try again" re-renders the page on the server once the database is back.
        await expect(async () => {
          // app/error.tsx's button, or the link of proxy.ts's 503 page once the outage is marked.
          await page
            .getByRole("button", { name: "Try again" })
            .or(page.getByRole("link", { name: "Try again" }))
            .click();
          await expect(page.getByTestId("current-plan")).toHaveText("Free", { timeout: 2_000 });
        }).toPass({ timeout: 30_000, intervals: [500, 1_000] });
        await expect(page.getByTestId("page-error")).toHaveCount(0);
      } finally {
        await context.close();
      }
    });

    test("while it is down, pages answer 503 with Retry-After and a friendly page, and 200 once it is back", async ({ browser }) => {
      test.setTimeout(90_000);
      const context = await browser.newContext({ baseURL: app.url });
      const page = await context.newPage();
      try {
        await signUp(page, uniqueEmail("db-outage-503"));
        for (const path of ["/billing", "/pricing"]) expect((await page.request.get(path)).status(), path).toBe(200);

        pg.stop();
        // At most one page request discovers the outage (and renders app/error.tsx)...
        await page.request.get("/billing");
        // ...every page request after it answers 503 at once, from proxy.ts.
        for (const path of ["/billing", "/pricing", "/billing"]) {
          const started = Date.now();
          const res = await page.request.get(path);
          expect(res.status(), path).toBe(503);
          expect(Date.now() - started, path).toBeLessThan(3_000);
          expect(res.headers()["retry-after"]).toBe("5");
          expect(res.headers()["content-type"]).toMatch(/^text\/html/);
          expect(res.headers()["cache-control"]).toBe("no-store");
          expect(res.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
          const html = await res.text();
          expect(html).toContain("temporarily unavailable");
          expect(html).toContain("mailto:help@outage.example");
          expect(html).not.toMatch(/ECONNREFUSED|postgres|stack/i);
        }
        // A browser sees the friendly page with the support contact.
        const shown = await page.goto("/billing");
        expect(shown?.status()).toBe(503);
        const unavailable = page.getByTestId("page-unavailable");
        await expect(unavailable).toContainText("temporarily unavailable");
        await expect(unavailable).toContainText("Nothing you did caused this");
        await expect(page.getByTestId("support-contact")).toContainText("help@outage.example");
        // The API keeps its JSON 503.
        const api = await page.request.get("/api/billing/subscription");
        expect(api.status()).toBe(503);
        expect(await api.json()).toMatchObject({ error: "database_unavailable" });

        pg.start();
        await expect(async () => {
          for (const path of ["/billing", "/pricing"]) expect((await page.request.get(path)).status(), path).toBe(200);
        }).toPass({ timeout: 30_000, intervals: [500, 1_000] });
        await page.getByRole("link", { name: "Try again" }).click();
        await expect(page.getByTestId("current-plan")).toHaveText("Free");
        await expect(page.getByTestId("page-unavailable")).toHaveCount(0);
      } finally {
        await context.close();
      }
    });

    test("while it is frozen, pages answer 503 within the ping's budget, and 200 once it thaws", async ({ browser }) => {
      test.setTimeout(90_000);
      const context = await browser.newContext({ baseURL: app.url });
      const page = await context.newPage();
      try {
        await signUp(page, uniqueEmail("db-freeze-503"));
        expect((await page.request.get("/billing")).status()).toBe(200);

        pg.freeze();
        try {
          // The discovering request waits out the query deadline; the ones after it do not.
          await page.request.get("/billing");
          for (const path of ["/billing", "/pricing", "/billing"]) {
            const started = Date.now();
            const res = await page.request.get(path);
            expect(res.status(), path).toBe(503);
            expect(res.headers()["retry-after"]).toBe("5");
            expect(Date.now() - started, path).toBeLessThan(2_000);
          }
        } finally {
          pg.thaw();
        }
        await expect(async () => {
          for (const path of ["/billing", "/pricing"]) expect((await page.request.get(path)).status(), path).toBe(200);
        }).toPass({ timeout: 30_000, intervals: [500, 1_000] });
      } finally {
        await context.close();
      }
    });
  });
}
