import { and, eq } from "drizzle-orm";
import { encode, type JWT } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setAppDatabase } from "@/db/client";
import { apiKeys, billingCustomers, notifications, oauthIdentities, passwordResetTokens, subscriptions, users } from "@/db/schema";
import { POST as signUpRoute } from "@/app/api/account/route";
import { POST as resetRequestRoute } from "@/app/api/account/password-reset/route";
import { POST as resetConfirmRoute } from "@/app/api/account/password-reset/confirm/route";
import { GET as meRoute } from "@/app/api/me/route";
import { UNVERIFIED_ACCOUNT_TTL_DAYS } from "@/lib/auth/account-expiry";
import { authenticateApiKey, createApiKey } from "@/lib/auth/api-keys";
import { authOptions } from "@/lib/auth/options";
import { authenticate, findUserByEmail } from "@/lib/auth/users";
import { listNotifications } from "@/lib/billing/admin/operations";
import { isAppError } from "@/lib/errors";
import { runCleanupJob } from "@/lib/jobs";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { requestAs } from "../helpers/session";

const PASSWORD = "correct horse 9";
const NEW_PASSWORD = "violet tractor 42 lantern";

/**
 * Issue 18, items 11, 15 and 22: whoever proves an address (a provider that vouches for it, or a
 * password-reset link) gets the account, and nothing a squatter set up before survives.
 */
describe.each(DATABASE_KINDS)("account claim, password reset and expiry on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
  });
  afterAll(() => database.destroy());
  afterEach(() => {
    delete process.env.ADMIN_EMAILS;
  });

  /**
   * An OAuth sign-in through next-auth's own callbacks (lib/auth/options.ts): `signIn` decides, then
   * `jwt` mints the session token. Returns the session cookie, or null when the sign-in was refused.
   */
  async function oauthSignIn(provider: "github" | "google", providerAccountId: string, email: string): Promise<string | null> {
    const callbacks = authOptions().callbacks!;
    const user = { id: providerAccountId, email, name: "Someone" };
    const account = { provider, providerAccountId, type: "oauth" as const };
    // Google's profile says whether it verified the address; GitHub's says nothing.
    const profile = provider === "google" ? { sub: providerAccountId, email, email_verified: true } : { id: providerAccountId, email };
    const allowed = await callbacks.signIn!({ user, account, profile } as Parameters<NonNullable<typeof callbacks.signIn>>[0]);
    if (allowed !== true) return null;
    const token = await callbacks.jwt!({ token: { email } as JWT, user, account, trigger: "signIn" } as Parameters<
      NonNullable<typeof callbacks.jwt>
    >[0]);
    return `next-auth.session-token=${await encode({ token, secret: process.env.NEXTAUTH_SECRET as string })}`;
  }
  const me = async (cookie: string) => meRoute(new NextRequest("http://localhost:3000/api/me", { headers: { cookie } }));
  const role = async (cookie: string) => ((await (await me(cookie)).json()) as { user: { role: string; email: string } }).user;
  /** API keys need a plan with API access (issue 18 item 6): a Pro subscription row, as a paid webhook would write. */
  const grantApiAccess = (userId: string) =>
    database.db
      .insert(subscriptions)
      .values({ accountId: userId, providerSubscriptionId: `sub_claim_${userId}`, status: "active", planId: "pro" });
  const keyWorks = (key: string) =>
    authenticateApiKey(key).then(
      () => true,
      (e: unknown) => (isAppError(e, "unauthorized") ? false : Promise.reject(e)),
    );

  const post = (url: string, body: unknown, ip = "203.0.113.7") =>
    requestAs(null, url, { method: "POST", body, headers: { "x-forwarded-for": ip } });
  const requestReset = async (email: string) => resetRequestRoute(await post("/api/account/password-reset", { email }));
  const confirmReset = async (token: string, password: string) =>
    resetConfirmRoute(await post("/api/account/password-reset/confirm", { token, password }));
  async function resetLinks(email: string): Promise<string[]> {
    const mails = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.toEmail, email), eq(notifications.kind, "password_reset")))
      .orderBy(notifications.createdAt);
    return mails.map((m) => /\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(m.body)![1]);
  }

  it("a verified Google claim ends the squatter's GitHub identity, API keys and sessions, also for an ADMIN_EMAILS address", async () => {
    process.env.ADMIN_EMAILS = "boss@example.com";
    // The squatter signs in with a GitHub account claiming boss@example.com: unverified, so no admin.
    const squatterSession = (await oauthSignIn("github", "gh-666", "boss@example.com"))!;
    expect(squatterSession).not.toBeNull();
    expect(await role(squatterSession)).toMatchObject({ email: "boss@example.com", role: "user" });
    const squatter = (await findUserByEmail("boss@example.com"))!;
    await grantApiAccess(squatter.id);
    const { key } = await createApiKey(squatter.id, squatter.id, { name: "squatter" });
    expect(await keyWorks(key)).toBe(true);

    // The real owner signs in with Google, which verified the address: the account is theirs, and admin.
    const ownerSession = (await oauthSignIn("google", "g-boss", "boss@example.com"))!;
    expect(ownerSession).not.toBeNull();
    expect(await role(ownerSession)).toMatchObject({ email: "boss@example.com", role: "admin" });

    // Nothing of the squatter's still enters: not the session, not GitHub, not the API key.
    expect((await me(squatterSession)).status).toBe(401);
    expect(await oauthSignIn("github", "gh-666", "boss@example.com")).toBeNull();
    expect(await keyWorks(key)).toBe(false);
    const identities = await database.db.select().from(oauthIdentities).where(eq(oauthIdentities.userId, squatter.id));
    expect(identities.map((i) => `${i.provider}:${i.providerAccountId}`)).toEqual(["google:g-boss"]);
    expect((await database.db.select().from(apiKeys).where(eq(apiKeys.accountId, squatter.id))).every((k) => k.revokedAt !== null)).toBe(
      true,
    );
    // The owner's own session survives, and Google signs in again.
    expect((await me(ownerSession)).status).toBe(200);
    expect(await oauthSignIn("google", "g-boss", "boss@example.com")).not.toBeNull();
  });

  it("a verified Google sign-in to an already verified account links it without touching what the owner set up", async () => {
    const first = (await oauthSignIn("google", "g-owner-1", "owner@example.com"))!;
    const owner = (await findUserByEmail("owner@example.com"))!;
    await grantApiAccess(owner.id);
    const { key } = await createApiKey(owner.id, owner.id, { name: "mine" });
    expect(await oauthSignIn("google", "g-owner-2", "owner@example.com")).not.toBeNull();
    expect((await me(first)).status).toBe(200);
    expect(await keyWorks(key)).toBe(true);
  });

  it("password reset: same answer for any address; the link claims the account, once, for one hour", async () => {
    // A squatter registered the address through GitHub and made an API key.
    const squatterSession = (await oauthSignIn("github", "gh-777", "victim@example.com"))!;
    const squatter = (await findUserByEmail("victim@example.com"))!;
    await grantApiAccess(squatter.id);
    const { key } = await createApiKey(squatter.id, squatter.id, { name: "squatter" });

    // Asking for a link answers the same for a registered and an unknown address.
    const known = await requestReset("Victim@Example.com ");
    const unknown = await requestReset("nobody-here@example.com");
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(Object.keys(await known.json())).toEqual(Object.keys(await unknown.json()));
    expect(await resetLinks("nobody-here@example.com")).toEqual([]);
    const [token] = await resetLinks("victim@example.com");
    // Only the hash is stored.
    const [stored] = await database.db.select().from(passwordResetTokens).where(eq(passwordResetTokens.userId, squatter.id));
    expect(stored.tokenHash).not.toContain(token);
    // Admins read the outbox without the link's token.
    const adminView = (await listNotifications(database.db, { accountId: squatter.id, limit: 10 })).find(
      (n) => n.kind === "password_reset",
    )!;
    expect(adminView.body).toContain("/reset-password?token=[hidden]");
    expect(adminView.body).not.toContain(token);

    // A weak password is refused with the sign-up rules, and does not use the link up.
    const weak = await confirmReset(token, "password123");
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ field: "password", message: expect.stringMatching(/too common/) });
    const ok = await confirmReset(token, NEW_PASSWORD);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ email: "victim@example.com", passwordReset: true });

    // The address is verified, the new password signs in, and nothing of the squatter's works.
    const claimed = (await findUserByEmail("victim@example.com"))!;
    expect(claimed.emailVerifiedAt).not.toBeNull();
    expect(await authenticate("victim@example.com", NEW_PASSWORD)).toMatchObject({ id: squatter.id });
    expect((await me(squatterSession)).status).toBe(401);
    expect(await oauthSignIn("github", "gh-777", "victim@example.com")).toBeNull();
    expect(await keyWorks(key)).toBe(false);

    // Single use; unknown, malformed and expired tokens are all the same 400, changing nothing.
    const again = await confirmReset(token, "another fine 77 password");
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: "bad_request", field: "token" });
    expect((await confirmReset("A".repeat(43), NEW_PASSWORD)).status).toBe(400);
    expect((await confirmReset("bad token!", NEW_PASSWORD)).status).toBe(400);
    expect((await resetConfirmRoute(await post("/api/account/password-reset/confirm", { password: NEW_PASSWORD }))).status).toBe(400);
    await requestReset("victim@example.com");
    const [, expiring] = await resetLinks("victim@example.com");
    await database.db
      .update(passwordResetTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(passwordResetTokens.userId, squatter.id));
    expect((await confirmReset(expiring, "another fine 77 password")).status).toBe(400);
    expect(await authenticate("victim@example.com", NEW_PASSWORD)).not.toBeNull();
    expect((await resetRequestRoute(await post("/api/account/password-reset", { email: "not-an-email" }))).status).toBe(400);
  });

  it("a reset of an account someone pre-registered with a password replaces that password and ends its sessions", async () => {
    expect((await signUpRoute(await post("/api/account", { email: "pre@example.com", password: PASSWORD }))).status).toBe(201);
    const squatter = (await findUserByEmail("pre@example.com"))!;
    const squatterCookie = `next-auth.session-token=${await encode({ token: { sub: squatter.id, sv: squatter.sessionVersion }, secret: process.env.NEXTAUTH_SECRET as string })}`;
    expect((await me(squatterCookie)).status).toBe(200);
    await requestReset("pre@example.com");
    const [token] = await resetLinks("pre@example.com");
    expect((await confirmReset(token, NEW_PASSWORD)).status).toBe(200);
    expect(await authenticate("pre@example.com", PASSWORD)).toBeNull();
    expect(await authenticate("pre@example.com", NEW_PASSWORD)).not.toBeNull();
    expect((await me(squatterCookie)).status).toBe(401);
  });

  it("a reset of an already verified account replaces the password and sessions but keeps its API keys and Google sign-in", async () => {
    const ownerSession = (await oauthSignIn("google", "g-keeper", "keeper@example.com"))!;
    const owner = (await findUserByEmail("keeper@example.com"))!;
    expect(owner.emailVerifiedAt).not.toBeNull();
    await grantApiAccess(owner.id);
    const { key } = await createApiKey(owner.id, owner.id, { name: "production" });
    await requestReset("keeper@example.com");
    const [token] = await resetLinks("keeper@example.com");
    expect((await confirmReset(token, NEW_PASSWORD)).status).toBe(200);
    expect(await authenticate("keeper@example.com", NEW_PASSWORD)).not.toBeNull();
    expect((await me(ownerSession)).status).toBe(401);
    // Set up by someone who had proved the address: a forgotten password must not take integrations down.
    expect(await keyWorks(key)).toBe(true);
    expect(await oauthSignIn("google", "g-keeper", "keeper@example.com")).not.toBeNull();
    // The link is spent all the same.
    expect((await confirmReset(token, "another fine 77 password")).status).toBe(400);
  });

  it("sign-up notices and reset emails to one address are limited to 3 an hour, with the same answer every time", async () => {
    expect((await signUpRoute(await post("/api/account", { email: "target@example.com", password: PASSWORD }))).status).toBe(201);
    const answers = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await signUpRoute(
        await post("/api/account", { email: "target@example.com", password: `attacker ${i} pass 99` }, `198.51.100.${i}`),
      );
      answers.push({ status: res.status, body: await res.json() });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0].status).toBe(201);
    const resets = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await resetRequestRoute(await post("/api/account/password-reset", { email: "target@example.com" }, `198.51.100.${i}`));
      resets.push({ status: res.status, body: await res.json() });
    }
    expect(new Set(resets.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(resets[0].status).toBe(202);
    const mails = await database.db.select().from(notifications).where(eq(notifications.toEmail, "target@example.com"));
    const count = (k: string) => mails.filter((m) => m.kind === k).length;
    expect({
      sign_up_attempt: count("sign_up_attempt"),
      password_reset: count("password_reset"),
      email_verification: count("email_verification"),
    }).toEqual({
      sign_up_attempt: 3,
      password_reset: 3,
      email_verification: 1,
    });
    // An hour later the budget is back.
    await database.db
      .update(notifications)
      .set({ createdAt: new Date(Date.now() - 61 * 60 * 1000) })
      .where(eq(notifications.toEmail, "target@example.com"));
    await signUpRoute(await post("/api/account", { email: "target@example.com", password: "attacker late pass 99" }));
    expect(
      (
        await database.db
          .select()
          .from(notifications)
          .where(and(eq(notifications.toEmail, "target@example.com"), eq(notifications.kind, "sign_up_attempt")))
      ).length,
    ).toBe(4);
  });

  it(`deletes accounts never verified after ${UNVERIFIED_ACCOUNT_TTL_DAYS} days unless they pay, safely from several instances at once`, async () => {
    const make = async (email: string, verified: boolean, ageDays: number) => {
      const [user] = await database.db
        .insert(users)
        .values({ email, emailVerifiedAt: verified ? new Date() : null, createdAt: new Date(Date.now() - ageDays * 24 * 60 * 60 * 1000) })
        .returning();
      return user;
    };
    const stale = await make("stale@example.com", false, UNVERIFIED_ACCOUNT_TTL_DAYS + 1);
    await database.db.insert(oauthIdentities).values({ provider: "github", providerAccountId: "gh-stale", userId: stale.id });
    await make("fresh@example.com", false, UNVERIFIED_ACCOUNT_TTL_DAYS - 1);
    await make("verified-old@example.com", true, 30);
    const customer = await make("customer@example.com", false, 30);
    await database.db.insert(billingCustomers).values({ accountId: customer.id, providerCustomerId: "cus_expiry_test" });
    const subscriber = await make("subscriber@example.com", false, 30);
    await database.db
      .insert(subscriptions)
      .values({ accountId: subscriber.id, providerSubscriptionId: "sub_expiry_test", status: "active", planId: "pro" });

    const rounds = await Promise.all([runCleanupJob(), runCleanupJob(), runCleanupJob()]);
    expect(rounds.reduce((n, r) => n + r.expiredUnverifiedAccounts, 0)).toBe(1);
    expect(await findUserByEmail("stale@example.com")).toBeUndefined();
    for (const email of ["fresh@example.com", "verified-old@example.com", "customer@example.com", "subscriber@example.com"]) {
      expect(await findUserByEmail(email), email).toBeDefined();
    }
    expect(await database.db.select().from(oauthIdentities).where(eq(oauthIdentities.providerAccountId, "gh-stale"))).toEqual([]);
    // The address is free again.
    expect((await signUpRoute(await post("/api/account", { email: "stale@example.com", password: PASSWORD }))).status).toBe(201);
  });
});
