import { createServer, request as httpRequest, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { request as playwrightRequest } from "@playwright/test";
import { E2E_BASE_URL } from "../../playwright.config";
import { freePort } from "../../scripts/lib/processes";
import { apiClient, apiSignIn, signedUpClient } from "./api-clients";
import { startSecondApp } from "./second-app";
import { expect, signUp, test, TEST_PASSWORD, uniqueClientIp, uniqueEmail } from "./helpers";

/**
 * The security probe's findings (issue 8), each replayed against the production build
 * (`next build && next start`; on Postgres when DATABASE_URL is set, as in CI).
 */

test("billing actions answer 503 payments_unavailable when Stripe is unreachable, also after a page loaded the SDK", async () => {
  test.setTimeout(120_000);
  // A second server of the same build whose Stripe is a closed port.
  const app = await startSecondApp({
    DATABASE_URL: "",
    PGLITE_DIR: path.join(mkdtempSync(path.join(tmpdir(), "billing-sec-")), "pglite"),
    STRIPE_EMULATOR_URL: `http://127.0.0.1:${await freePort()}`,
    STRIPE_WEBHOOK_SECRET: "whsec_security_suite",
  });
  try {
    const client = await playwrightRequest.newContext({ baseURL: app.url });
    // The page first: it loads and caches the Stripe client before any route does.
    expect((await client.get("/pricing")).status()).toBe(200);
    const email = uniqueEmail("nostripe");
    expect((await client.post("/api/account", { data: { email, password: TEST_PASSWORD } })).status()).toBe(201);
    await apiSignIn(client, email);
    for (const [url, data] of [
      ["/api/billing/checkout", { plan: "pro", interval: "month" }],
      ["/api/billing/subscription/change", { plan: "scale", interval: "month" }],
    ] as const) {
      const response = await client.post(url, { data });
      expect(response.status(), url).toBe(503);
      expect(await response.json()).toMatchObject({ error: "payments_unavailable" });
    }
  } finally {
    app.stop();
  }
});

test("an address in ADMIN_EMAILS gets no admin rights until it is verified", async ({ page, consoleErrors }) => {
  consoleErrors.allow(/status of 403 .*\/admin\)$/);
  // The e2e server sets ADMIN_EMAILS=e2e-admin@example.com; whoever signs up with it first is unverified.
  await signUp(page, "e2e-admin@example.com");
  const me = await page.request.get("/api/me");
  expect(await me.json()).toMatchObject({ user: { email: "e2e-admin@example.com", role: "user", emailVerified: false } });
  expect((await page.goto("/admin"))?.status()).toBe(403);
  // The billing page asks for the confirmation and can send a fresh link.
  await page.goto("/billing");
  await page.getByTestId("verify-email-notice").getByRole("button", { name: "Send a new link" }).click();
  await expect(page.getByTestId("verify-email-notice")).toContainText("We sent a new link to e2e-admin@example.com.");
});

/** Return paths that only become `//evil.example…` once their dot segments are resolved (issue 18). */
const DOT_SEGMENT_REDIRECTS = [
  "/.//evil.example/x",
  "/..//evil.example/x",
  "/%2e//evil.example/x",
  "/%2e%2e//evil.example/x",
  "/a/..//evil.example/x",
  "/./\\evil.example",
  "/.\\/evil.example",
];

test.describe("dot-segment return paths in a real browser", () => {
  for (const callbackUrl of DOT_SEGMENT_REDIRECTS) {
    test(`sign-in and sign-up with callbackUrl=${callbackUrl} stay on the app`, async ({ browser }) => {
      const email = uniqueEmail("dots");
      const password = TEST_PASSWORD;
      for (const mode of ["sign-up", "sign-in"] as const) {
        // A fresh browser each time (no session yet), with a client IP of its own.
        const context = await browser.newContext({ baseURL: E2E_BASE_URL, extraHTTPHeaders: { "x-forwarded-for": uniqueClientIp() } });
        try {
          const page = await context.newPage();
          await page.goto(`/${mode}?callbackUrl=${encodeURIComponent(callbackUrl)}`);
          await page.getByLabel("Email").fill(email);
          await page.getByLabel("Password").fill(password);
          await page.getByRole("button", { name: mode === "sign-up" ? "Sign up" : "Sign in" }).click();
          await expect(page.getByTestId("signed-in-user")).toHaveText(email);
          await page.waitForLoadState("load");
          expect(new URL(page.url()).origin, `${mode} ${callbackUrl}`).toBe(E2E_BASE_URL);
          expect(new URL(page.url()).pathname, `${mode} ${callbackUrl}`).toBe("/billing");
        } finally {
          await context.close();
        }
      }
    });
  }
});

test("callbackUrl never leads to another origin, and an unparsable one falls back to a safe page", async () => {
  const client = await apiClient();
  const email = uniqueEmail("redirect");
  await client.post("/api/account", { data: { email, password: TEST_PASSWORD } });
  for (const callbackUrl of [
    "/\t/evil.example",
    "/\r\n/evil.example",
    "//evil.example",
    "https://evil.example/",
    "http://[",
    "evil.example",
    ...DOT_SEGMENT_REDIRECTS,
  ]) {
    const { csrfToken } = (await (await client.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const response = await client.post("/api/auth/callback/credentials", {
      form: { csrfToken, email, password: TEST_PASSWORD, json: "true", callbackUrl },
      maxRedirects: 0,
    });
    expect(response.status(), callbackUrl).toBeLessThan(500);
    const { url } = (await response.json()) as { url: string };
    expect(new URL(url).origin, callbackUrl).toBe(E2E_BASE_URL);
  }
  const signInPage = await client.get(`/api/auth/signin?callbackUrl=${encodeURIComponent("http://[")}`, { maxRedirects: 0 });
  expect(signInPage.status()).toBeLessThan(500);
});

test.describe("CSRF", () => {
  let attacker: Server;
  let attackerUrl: string;
  test.beforeAll(async () => {
    // Another port of the same site (127.0.0.1): SameSite=Lax cookies go along with its requests.
    attacker = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html>
        <form id="f" method="POST" enctype="text/plain" action="${E2E_BASE_URL}/api/billing/subscription/cancel">
          <input name='{"a":"' value='"}'>
        </form>
        <script>document.getElementById("f").submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  });
  test.afterAll(() => new Promise<void>((resolve) => attacker.close(() => resolve())));

  test("a page on another port cannot cancel a subscription with an auto-submitting form", async ({ page, consoleErrors }) => {
    consoleErrors.allow(/status of 403 .*\/api\/billing\/subscription\/cancel\)$/);
    await signUp(page, uniqueEmail("csrf"));
    const answer = page.waitForResponse((r) => r.url().endsWith("/api/billing/subscription/cancel"));
    await page.goto(attackerUrl);
    const response = await answer;
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ error: "forbidden" });
  });

  test("state-changing routes take only JSON", async () => {
    const { client } = await signedUpClient("mediatype");
    const response = await client.post("/api/billing/subscription/cancel", { headers: { "content-type": "text/plain" }, data: "{}" });
    expect(response.status()).toBe(415);
    expect(await response.json()).toMatchObject({ error: "unsupported_media_type" });
  });
});

test("wrong passwords throttle the guessing IP with 429 and Retry-After, the owner still signs in from elsewhere, and unknown emails cost the same time", async () => {
  const { email } = await signedUpClient("brute");
  const timings = { known: [] as number[], unknown: [] as number[] };
  // One attacker IP: its wrong passwords for this account are checked a few times, then refused.
  const attacker = await apiClient();
  let limited = null;
  for (let attempt = 0; attempt < 12 && !limited; attempt += 1) {
    const started = Date.now();
    const response = await apiSignIn(attacker, email, "wrong-password-1");
    if (response.status() === 429) limited = response;
    else timings.known.push(Date.now() - started);
    const other = await apiClient();
    const t = Date.now();
    await apiSignIn(other, uniqueEmail("ghost"), "wrong-password-1");
    timings.unknown.push(Date.now() - t);
  }
  expect(limited, "no 429 after 12 wrong passwords from one IP").not.toBeNull();
  expect(Number(limited!.headers()["retry-after"])).toBeGreaterThan(0);
  expect(await limited!.json()).toMatchObject({ error: "rate_limited" });
  // Even the right password is refused from that IP, unchecked…
  expect((await apiSignIn(attacker, email)).status()).toBe(429);
  // …but the owner, from another IP, is not locked out (before issue 18: 429 for 15 minutes, renewable).
  const owner = await apiClient();
  expect((await apiSignIn(owner, email)).status()).toBe(200);
  expect(await (await owner.get("/api/me")).json()).toMatchObject({ user: { email } });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // Before the fix an unknown email skipped bcrypt entirely (a few ms against ~50 ms).
  expect(median(timings.unknown)).toBeGreaterThan(median(timings.known) * 0.5);
});

test("sign-up is rate-limited per IP", async () => {
  const client = await apiClient();
  const statuses: number[] = [];
  for (let i = 0; i < 12; i += 1) statuses.push((await client.post("/api/account", { data: { email: "x", password: "y" } })).status());
  expect(statuses).toContain(429);
});

test("an oversized body is refused with 413 before it has all been sent", async () => {
  const url = new URL("/api/account", E2E_BASE_URL);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } },
      (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
    // 64 KiB now and never the end: a server that buffers the whole body would wait forever.
    req.write(Buffer.alloc(64 * 1024, "a"));
  });
  expect(status).toBe(413);
});

test.describe("before the page's JavaScript has run", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-in form cannot be sent, and says POST so a password never lands in a URL", async ({ page }) => {
    await page.goto("/sign-in");
    await expect(page.locator("form").filter({ has: page.getByLabel("Password") })).toHaveAttribute("method", "post");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeDisabled();
    await page.getByLabel("Email").fill("early@example.com");
    await page.getByLabel("Password").fill("never-in-a-url-42");
    // Enter in a field submits a form natively unless its submit button is disabled.
    const navigated = page.waitForEvent("framenavigated", { timeout: 1_500 }).then(
      () => true,
      () => false,
    );
    await page.getByLabel("Password").press("Enter");
    expect(await navigated).toBe(false);
    expect(page.url()).not.toContain("never-in-a-url");
  });
});

test("sign-up does not reveal existing accounts and refuses common passwords", async () => {
  const client = await apiClient();
  const email = uniqueEmail("enum");
  const first = await client.post("/api/account", { data: { email, password: TEST_PASSWORD } });
  const second = await client.post("/api/account", { data: { email, password: "another-pass-77" } });
  expect([first.status(), second.status()]).toEqual([201, 201]);
  expect(await second.json()).toEqual(await first.json());
  for (const password of ["Password1!", "qwerty1234"]) {
    const weak = await client.post("/api/account", { data: { email: uniqueEmail("weak"), password } });
    expect(weak.status(), password).toBe(400);
    expect(((await weak.json()) as { message: string }).message).toMatch(/too common/);
  }
});

test("signing out revokes the session token, not only the cookie", async () => {
  const { client } = await signedUpClient("revoke");
  const state = await client.storageState();
  const saved = state.cookies.find((c) => c.name.endsWith("next-auth.session-token"))!;
  const { csrfToken } = (await (await client.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await client.post("/api/auth/signout", { form: { csrfToken, json: "true" }, maxRedirects: 0 });
  const replay = await apiClient({ cookie: `${saved.name}=${saved.value}` });
  expect((await replay.get("/api/me")).status()).toBe(401);
});

test("an invoice cursor with a non-UUID id is a 400", async () => {
  const { client } = await signedUpClient("cursor");
  const cursor = Buffer.from(`${new Date().toISOString()}|not-a-uuid`).toString("base64url");
  const response = await client.get(`/api/billing/invoices?cursor=${cursor}`);
  expect(response.status()).toBe(400);
  expect(await response.json()).toMatchObject({ error: "bad_request", field: "cursor" });
});

test("pages carry a nonce CSP their scripts satisfy; API answers are no-store; unknown paths and methods are JSON", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const response = await page.goto("/pricing");
  const csp = response!.headers()["content-security-policy"];
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(csp).toContain("frame-ancestors 'none'");
  expect(await page.locator(`script[nonce]`).count()).toBeGreaterThan(0);
  // Hydrated: React ran under the policy.
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await signUp(page, uniqueEmail("csp"));
  expect(violations).toEqual([]);

  const api = await apiClient();
  // No answer is stored. A small one goes out uncompressed (gzipping 50 bytes cost more CPU than
  // the request itself); a larger one (the catalog: over 1 KB) is still gzipped.
  const gzip = { "accept-encoding": "gzip" };
  const plans = await api.get("/api/billing/plans", { headers: gzip });
  expect(plans.headers()["cache-control"]).toBe("no-store");
  expect(plans.headers()["content-encoding"]).toBe("gzip");
  expect((await plans.json()).plans.length).toBeGreaterThan(0);
  const small = await api.get("/api/me", { headers: gzip });
  expect(small.status()).toBe(401);
  expect(small.headers()["cache-control"]).toBe("no-store, no-transform");
  expect(small.headers()["content-encoding"]).toBeUndefined();
  expect(await small.json()).toMatchObject({ error: "unauthorized" });
  const https = await api.get("/pricing", { headers: { "x-forwarded-proto": "https" } });
  expect(https.headers()["strict-transport-security"]).toContain("max-age=");
  expect((await api.get("/pricing")).headers()["strict-transport-security"]).toBeUndefined();
  const unknown = await api.get("/api/no-such-thing");
  expect(unknown.status()).toBe(404);
  expect(await unknown.json()).toMatchObject({ error: "not_found" });
  const wrongMethod = await api.delete("/api/billing/plans");
  expect(wrongMethod.status()).toBe(405);
  expect(wrongMethod.headers()["allow"]).toBe("GET");
  expect(await wrongMethod.json()).toMatchObject({ error: "method_not_allowed" });
});
