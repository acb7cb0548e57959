import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, setAppDatabase } from "@/db/client";
import { notifications } from "@/db/schema";
import { POST as signUpRoute } from "@/app/api/account/route";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as meRoute } from "@/app/api/me/route";
import { verifyEmailToken } from "@/lib/auth/account-emails";
import { authOptions } from "@/lib/auth/options";
import { revokeSessions } from "@/lib/auth/sessions";
import { findOrCreateOAuthUser, findUserByEmail } from "@/lib/auth/users";
import { isAppError } from "@/lib/errors";
import { consumeRateLimit } from "@/lib/http/rate-limit";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { requestAs } from "../helpers/session";

const PASSWORD = "correct horse 9";

describe.each(DATABASE_KINDS)("account security on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
  });
  afterAll(() => database.destroy());
  afterEach(() => {
    process.env.RATE_LIMITS = "off";
    delete process.env.RATE_LIMIT_STORE;
    delete process.env.ADMIN_EMAILS;
    (globalThis as { __rateLimiters?: unknown }).__rateLimiters = undefined;
  });

  const signUp = async (email: string) =>
    signUpRoute(await requestAs(null, "/api/account", { method: "POST", body: { email, password: PASSWORD } }));
  async function verificationToken(email: string): Promise<string> {
    const [mail] = await database.db.select().from(notifications).where(eq(notifications.toEmail, email));
    expect(mail).toMatchObject({ kind: "email_verification", status: "outbox" });
    return /token=([A-Za-z0-9_-]+)/.exec(mail.body)![1];
  }

  it("an ADMIN_EMAILS address is admin only after its verification link was followed, which works once", async () => {
    process.env.ADMIN_EMAILS = "boss@example.com";
    expect(
      (
        await signUpRoute(
          await requestAs(null, "/api/account", { method: "POST", body: { email: "boss@example.com", password: PASSWORD } }),
        )
      ).status,
    ).toBe(201);
    const user = (await findUserByEmail("boss@example.com"))!;
    const me = async () => ((await (await meRoute(await requestAs(user.id, "/api/me"))).json()) as { user: { role: string } }).user.role;
    expect(await me()).toBe("user");
    const token = await verificationToken("boss@example.com");
    expect(await verifyEmailToken("not-the-token-at-all-000000")).toBe(false);
    expect(await verifyEmailToken(token)).toBe(true);
    expect(await verifyEmailToken(token)).toBe(false);
    expect(await me()).toBe("admin");
  });

  it("links an OAuth identity to an existing account only for a provider-verified address, dropping an unproven password", async () => {
    await signUp("victim@example.com");
    const github = { provider: "github", providerAccountId: "1001" };
    const google = { provider: "google", providerAccountId: "g-2002" };
    expect(await findOrCreateOAuthUser(github, "victim@example.com", "V", false)).toBeNull();
    const linked = await findOrCreateOAuthUser(google, "victim@example.com", "V", true);
    expect(linked).toMatchObject({ email: "victim@example.com", passwordHash: null, sessionVersion: 1 });
    expect(linked!.emailVerifiedAt).not.toBeNull();
    // GitHub vouches for nothing: its first sign-in creates the account, and the same identity signs in again.
    const fresh = await findOrCreateOAuthUser(github, "newcomer@example.com", "N", false);
    expect(fresh).toMatchObject({ emailVerifiedAt: null });
    expect(await findOrCreateOAuthUser(github, "newcomer@example.com", "N", false)).toMatchObject({ id: fresh!.id });
    // …while another unvouched identity claiming that address is still refused.
    expect(await findOrCreateOAuthUser({ provider: "github", providerAccountId: "6666" }, "newcomer@example.com", "N", false)).toBeNull();
    // An identity keeps its account even if the provider later reports another address.
    expect(await findOrCreateOAuthUser(github, "renamed@example.com", "N", false)).toMatchObject({ id: fresh!.id });
  });

  it("revokeSessions ends every session issued before it", async () => {
    await signUp("revoked@example.com");
    const user = (await findUserByEmail("revoked@example.com"))!;
    expect((await meRoute(await requestAs(user.id, "/api/me"))).status).toBe(200);
    await revokeSessions(user.id);
    expect((await meRoute(await requestAs(user.id, "/api/me"))).status).toBe(401);
  });

  it("a database failure during sign-in surfaces only the code 'unavailable', never SQL or the email", async () => {
    const broken = await openDatabase({ pgliteDir: "memory://" });
    await broken.close();
    setAppDatabase(broken);
    try {
      const credentials = authOptions().providers[0] as unknown as { options: { authorize(c: unknown): Promise<unknown> } };
      await expect(credentials.options.authorize({ email: "someone@example.com", password: PASSWORD })).rejects.toThrow(/^unavailable$/);
    } finally {
      setAppDatabase(database);
    }
  });

  it.each(["memory", "postgres"] as const)(
    "rate limits with the %s store: 429 with Retry-After on a route, shared across instances",
    async (store) => {
      process.env.RATE_LIMITS = "on";
      process.env.RATE_LIMIT_STORE = store;
      await signUp(`limited-${store}@example.com`);
      const user = (await findUserByEmail(`limited-${store}@example.com`))!;
      const checkout = async () =>
        checkoutRoute(await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan: "nope", interval: "month" } }));
      const statuses = [];
      for (let i = 0; i < 10; i += 1) statuses.push((await checkout()).status);
      expect(statuses.every((s) => s === 400)).toBe(true);
      const limited = await checkout();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ error: "rate_limited" });

      // A second "instance" (fresh limiter objects): the Postgres store still remembers; memory does not.
      (globalThis as { __rateLimiters?: unknown }).__rateLimiters = undefined;
      const again = await consumeRateLimit("checkout", "account", user.id).then(
        () => "allowed",
        (e: unknown) => (isAppError(e, "rate_limited") ? "limited" : "error"),
      );
      expect(again).toBe(store === "postgres" ? "limited" : "allowed");
      if (store === "postgres") {
        const rows = await database.db.execute(sql`select count(*)::int as n from rate_limits`);
        expect(JSON.stringify(rows)).toMatch(/"n":[1-9]/);
      }
    },
  );

  it("the route wrapper refuses cross-site requests, non-JSON bodies and oversized bodies before doing anything", async () => {
    await signUp("wrapper@example.com");
    const user = (await findUserByEmail("wrapper@example.com"))!;
    const body = { plan: "pro", interval: "month" };
    const crossSite = await checkoutRoute(
      await requestAs(user.id, "/api/billing/checkout", {
        method: "POST",
        body,
        headers: { origin: "http://localhost:9999", "sec-fetch-site": "same-site" },
      }),
    );
    expect(crossSite.status).toBe(403);
    const textPlain = await checkoutRoute(
      await requestAs(user.id, "/api/billing/checkout", {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "text/plain" },
      }),
    );
    expect(textPlain.status).toBe(415);
    const huge = await checkoutRoute(
      await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { ...body, pad: "x".repeat(64 * 1024) } }),
    );
    expect(huge.status).toBe(413);
    expect(huge.headers.get("cache-control")).toBe("no-store, no-transform");
  });
});
