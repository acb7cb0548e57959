import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppDatabase } from "@/db/client";
import { POST as signUp } from "@/app/api/account/route";
import { POST as checkout } from "@/app/api/billing/checkout/route";
import { GET as plans } from "@/app/api/billing/plans/route";
import { GET as me } from "@/app/api/me/route";
import { eq } from "drizzle-orm";
import { notifications } from "@/db/schema";
import { authenticate, findUserByEmail } from "@/lib/auth/users";
import { POOLED_DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { requestAs } from "../helpers/session";

describe.each(POOLED_DATABASE_KINDS)("sign-up and session guards on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
  });
  afterAll(() => database.destroy());

  it("answers an unauthenticated call to a protected route with 401 JSON", async () => {
    const res = await me(await requestAs(null, "/api/me"));
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toMatchObject({ error: "unauthorized" });
  });

  it("rejects a forged session cookie", async () => {
    const req = await requestAs(null, "/api/me", { headers: { cookie: "next-auth.session-token=not-a-jwt" } });
    expect((await me(req)).status).toBe(401);
  });

  it("creates an account, then the session sees it", async () => {
    const res = await signUp(
      await requestAs(null, "/api/account", { method: "POST", body: { email: "New@Example.com", password: "correct horse 9" } }),
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ email: "new@example.com", verificationSent: true });
    const created = (await findUserByEmail("new@example.com"))!;
    expect(created.emailVerifiedAt).toBeNull();
    const session = await me(await requestAs(created.id, "/api/me"));
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: { id: created.id, email: "new@example.com", role: "user" } });
  });

  it("answers a sign-up for an existing email exactly like a new one, and emails the owner instead", async () => {
    const body = { email: "dupe@example.com", password: "correct horse 9" };
    const first = await signUp(await requestAs(null, "/api/account", { method: "POST", body }));
    const again = await signUp(
      await requestAs(null, "/api/account", { method: "POST", body: { email: "DUPE@example.com ", password: "other horse 77" } }),
    );
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(await again.json()).toEqual(await first.json());
    // The first password still works, the second changed nothing; the owner got a verification link and a notice.
    expect(await authenticate("dupe@example.com", "correct horse 9")).not.toBeNull();
    expect(await authenticate("dupe@example.com", "other horse 77")).toBeNull();
    const mails = await database.db.select().from(notifications).where(eq(notifications.toEmail, "dupe@example.com"));
    expect(mails.map((m) => m.kind).sort()).toEqual(["email_verification", "sign_up_attempt"]);
  });

  it.each([
    ["short1", /at least 10/],
    ["aaaaaaaaaaaa", /repetitive/],
    ["onlyletterslong", /mix letters/],
    ["password123", /too common/],
    ["Password1!", /too common/],
    ["qwerty1234", /too common/],
  ])("rejects the weak password %s with 400", async (password, message) => {
    const email = `weak-${password.replace(/[^a-z0-9]/gi, "")}@example.com`;
    const res = await signUp(await requestAs(null, "/api/account", { method: "POST", body: { email, password } }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
    expect(await findUserByEmail(email)).toBeUndefined();
  });

  it("rejects malformed input with 400 and changes nothing", async () => {
    const bad = await signUp(await requestAs(null, "/api/account", { method: "POST", body: "{not json" }));
    expect(bad.status).toBe(400);
    const invalid = await signUp(
      await requestAs(null, "/api/account", { method: "POST", body: { email: "nope", password: "correct horse 9" } }),
    );
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ field: "email" });
  });

  it("authenticates only the right password, with the same answer for unknown emails", async () => {
    await signUp(
      await requestAs(null, "/api/account", { method: "POST", body: { email: "login@example.com", password: "correct horse 9" } }),
    );
    expect(await authenticate("LOGIN@example.com", "correct horse 9")).toMatchObject({ email: "login@example.com" });
    expect(await authenticate("login@example.com", "wrong horse 9")).toBeNull();
    expect(await authenticate("nobody@example.com", "correct horse 9")).toBeNull();
  });

  it("answers billing actions with 503 when neither Stripe nor the emulator is configured", async () => {
    expect(process.env.STRIPE_SECRET_KEY ?? process.env.STRIPE_EMULATOR_URL).toBeUndefined();
    await signUp(
      await requestAs(null, "/api/account", { method: "POST", body: { email: "nopay@example.com", password: "correct horse 9" } }),
    );
    const { id } = (await findUserByEmail("nopay@example.com"))!;
    const attempt = await checkout(
      await requestAs(id, "/api/billing/checkout", { method: "POST", body: { plan: "pro", interval: "month" } }),
    );
    expect(attempt.status).toBe(503);
    expect(await attempt.json()).toMatchObject({ error: "payments_not_configured" });
    const catalog = await plans(await requestAs(null, "/api/billing/plans"));
    expect(catalog.status).toBe(200);
    expect(await catalog.json()).toMatchObject({ paymentsEnabled: false });
  });
});
