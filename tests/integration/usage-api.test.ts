import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELETE as revokeKeyRoute } from "@/app/api/billing/api-keys/[id]/route";
import { GET as listKeysRoute, POST as createKeyRoute } from "@/app/api/billing/api-keys/route";
import { GET as quotaRoute } from "@/app/api/billing/quota/route";
import { GET as historyRoute, POST as usageRoute } from "@/app/api/billing/usage/route";
import { POST as runJobRoute } from "@/app/api/demo/jobs/route";
import { eq, sql } from "drizzle-orm";
import { apiKeys, subscriptions } from "@/db/schema";
import { authenticateApiKey } from "@/lib/auth/api-keys";
import { entitlementCacheStats } from "@/lib/billing/metering/context";
import { requireFeature } from "@/lib/billing/features";
import { route } from "@/lib/http/route";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";
import { requestAs } from "../helpers/session";

type Json = Record<string, unknown>;

describe.each(POOLED_DATABASE_KINDS)("usage HTTP API on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
    process.env.APP_URL = "http://app.test";
  });
  afterAll(() => env.stop());

  async function call(
    handler: (r: never, ...rest: never[]) => Promise<Response>,
    userId: string | null,
    path: string,
    init: Parameters<typeof requestAs>[2] = {},
    ...rest: unknown[]
  ) {
    const res = await handler((await requestAs(userId, path, init)) as never, ...(rest as never[]));
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  }
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const newKey = async (userId: string, body: Json = { name: "ci" }) => {
    const res = await call(createKeyRoute, userId, "/api/billing/api-keys", { method: "POST", body });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string; name: string; expiresAt: string | null };
  };

  it("records one event, replays it for the same key, and answers 402 with the quota body and RateLimit headers", async () => {
    const user = await env.createUser();
    const ok = await call(usageRoute, user, "/api/billing/usage", {
      method: "POST",
      body: { meter: "jobs", quantity: 4, idempotencyKey: "a" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ allowed: true, meter: "jobs", used: 4, limit: 5, remaining: 1, resetsAt: expect.any(String) });
    expect(ok.headers.get("ratelimit-limit")).toBe("5");
    expect(ok.headers.get("ratelimit-remaining")).toBe("1");
    const again = await call(usageRoute, user, "/api/billing/usage", {
      method: "POST",
      body: { meter: "jobs", quantity: 4, idempotencyKey: "a" },
    });
    expect(again.body).toEqual(ok.body);

    const over = await call(usageRoute, user, "/api/billing/usage", {
      method: "POST",
      body: { meter: "jobs", quantity: 2, idempotencyKey: "b" },
    });
    expect(over.status).toBe(402);
    expect(over.body).toEqual({
      error: "quota_exceeded",
      message: expect.stringContaining("4 of 5 jobs"),
      meter: "jobs",
      used: 4,
      limit: 5,
      resetsAt: ok.body.resetsAt,
      plan: "free",
      upgradeUrl: "http://app.test/pricing",
    });
    expect(over.headers.get("ratelimit-limit")).toBe("5");
    expect(over.headers.get("ratelimit-remaining")).toBe("1");
    const reset = Number(over.headers.get("ratelimit-reset"));
    expect(reset).toBeGreaterThan(0);
    expect(Math.abs(reset - (Date.parse(ok.body.resetsAt as string) - Date.now()) / 1000)).toBeLessThan(5);
  });

  it("takes batches of up to 1,000 events and answers per event in order", async () => {
    const user = await env.createUser();
    const events = Array.from({ length: 1_000 }, (_, i) => ({
      meter: "api_calls",
      quantity: 1,
      idempotencyKey: `e${i}`,
      metadata: { i: String(i) },
    }));
    const res = await call(usageRoute, user, "/api/billing/usage", { method: "POST", body: { events } });
    expect(res.status).toBe(200);
    const results = res.body.results as Json[];
    expect(results).toHaveLength(1_000);
    expect(results[0]).toEqual({
      idempotencyKey: "e0",
      allowed: true,
      used: 1,
      limit: 1_000,
      remaining: 999,
      resetsAt: expect.any(String),
    });
    expect(results[999]).toMatchObject({ idempotencyKey: "e999", allowed: true, used: 1_000, remaining: 0 });
    const more = await call(usageRoute, user, "/api/billing/usage", {
      method: "POST",
      body: { events: [{ meter: "api_calls", quantity: 1, idempotencyKey: "x" }] },
    });
    expect(more.body.results).toEqual([
      expect.objectContaining({ idempotencyKey: "x", allowed: false, error: "quota_exceeded", used: 1_000 }),
    ]);
    const tooMany = await call(usageRoute, user, "/api/billing/usage", { method: "POST", body: { events: [...events, events[0]] } });
    expect(tooMany).toMatchObject({ status: 400, body: { error: "bad_request", field: "events" } });
  });

  it.each([
    [{ meter: "jobs", quantity: -1, idempotencyKey: "k" }, "quantity"],
    [{ meter: "jobs", quantity: 0, idempotencyKey: "k" }, "quantity"],
    [{ meter: "jobs", quantity: 1.5, idempotencyKey: "k" }, "quantity"],
    [{ meter: "jobs", quantity: 1e30, idempotencyKey: "k" }, "quantity"],
    [{ meter: "jobs", quantity: "3", idempotencyKey: "k" }, "quantity"],
    [{ meter: "jobs", quantity: null, idempotencyKey: "k" }, "quantity"],
    [{ meter: "gpu_hours", quantity: 1, idempotencyKey: "k" }, "meter"],
    [{ meter: "jobs", quantity: 1 }, "idempotencyKey"],
    [{ meter: "jobs", quantity: 1, idempotencyKey: "" }, "idempotencyKey"],
    [
      {
        events: [
          { meter: "jobs", quantity: 1, idempotencyKey: "ok" },
          { meter: "jobs", quantity: "x", idempotencyKey: "k" },
        ],
      },
      "events.1.quantity",
    ],
    [{ events: [] }, "events"],
  ])("refuses %j with a 400 naming %s and changes nothing", async (body, field) => {
    const user = await env.createUser();
    const res = await call(usageRoute, user, "/api/billing/usage", { method: "POST", body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "bad_request", field });
    expect(res.body.message).toContain(field);
    expect(await env.counterRows(user, "jobs")).toHaveLength(0);
    expect(await env.events(user, "jobs")).toHaveLength(0);
  });

  it("refuses malformed JSON and unknown fields", async () => {
    const user = await env.createUser();
    expect((await call(usageRoute, user, "/api/billing/usage", { method: "POST", body: "{not json" })).status).toBe(400);
    const extra = await call(usageRoute, user, "/api/billing/usage", {
      method: "POST",
      body: { meter: "jobs", quantity: 1, idempotencyKey: "k", qty: 2 },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toContain("qty");
  });

  it("reports quota and daily history", async () => {
    const user = await env.createUser();
    await call(usageRoute, user, "/api/billing/usage", { method: "POST", body: { meter: "api_calls", quantity: 12, idempotencyKey: "q" } });
    const quota = await call(quotaRoute, user, "/api/billing/quota");
    expect(quota.body).toMatchObject({
      plan: "free",
      meters: { api_calls: { used: 12, limit: 1_000, remaining: 988 }, jobs: { used: 0, limit: 5 } },
    });
    const history = await call(historyRoute, user, "/api/billing/usage?meter=api_calls");
    const points = history.body.points as Array<{ date: string; quantity: number }>;
    expect(points.find((p) => p.date === new Date().toISOString().slice(0, 10))?.quantity).toBe(12);
    expect(points.reduce((s, p) => s + p.quantity, 0)).toBe(12);
    const bad = await call(historyRoute, user, "/api/billing/usage?meter=api_calls&from=yesterday");
    expect(bad).toMatchObject({ status: 400, body: { field: "from" } });
    expect((await call(historyRoute, user, "/api/billing/usage?meter=nope")).body).toMatchObject({ field: "meter" });
  });

  it("API keys: shown once, stored hashed, authenticate as their owner only, refused once revoked or expired", async () => {
    const alice = await env.createUser();
    const bob = await env.createUser();
    // API access is a Pro feature (see "API keys need a plan with API access" below).
    await env.subscribe(alice, { planId: "pro" });
    await env.subscribe(bob, { planId: "pro" });
    const key = await newKey(alice);
    expect(key.key).toMatch(/^nsb_/);
    const stored = await env.db.select().from(apiKeys);
    expect(JSON.stringify(stored)).not.toContain(key.key);

    const listed = await call(listKeysRoute, alice, "/api/billing/api-keys");
    expect(listed.body.keys).toEqual([expect.objectContaining({ id: key.id, name: "ci", lastUsedAt: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(key.key);

    const used = await call(usageRoute, null, "/api/billing/usage", {
      method: "POST",
      body: { meter: "jobs", quantity: 2, idempotencyKey: "k" },
      headers: bearer(key.key),
    });
    expect(used).toMatchObject({ status: 200, body: { used: 2 } });
    expect((await env.events(alice, "jobs"))[0].apiKeyId).toBe(key.id);
    expect(await env.events(bob, "jobs")).toHaveLength(0);
    // Bob's key sees Bob's quota only and cannot revoke Alice's key.
    const bobKey = await newKey(bob);
    const bobQuota = await call(quotaRoute, null, "/api/billing/quota", { headers: bearer(bobKey.key) });
    expect(bobQuota.body).toMatchObject({ meters: { jobs: { used: 0 } } });
    // Key management takes a session: Bob's key cannot even try (see "key management takes a session only").
    const steal = await call(
      revokeKeyRoute,
      null,
      `/api/billing/api-keys/${key.id}`,
      { method: "DELETE", headers: bearer(bobKey.key) },
      { params: Promise.resolve({ id: key.id }) },
    );
    expect(steal.status).toBe(401);
    const bobSession = await call(
      revokeKeyRoute,
      bob,
      `/api/billing/api-keys/${key.id}`,
      { method: "DELETE" },
      { params: Promise.resolve({ id: key.id }) },
    );
    expect(bobSession.status).toBe(404);
    expect((await call(listKeysRoute, alice, "/api/billing/api-keys")).body.keys).toEqual([
      expect.objectContaining({ id: key.id, lastUsedAt: expect.any(String) }),
    ]);

    // A bad bearer never falls back to the session cookie.
    expect((await call(quotaRoute, alice, "/api/billing/quota", { headers: bearer(`${key.key}x`) })).status).toBe(401);
    expect((await call(quotaRoute, null, "/api/billing/quota", { headers: { authorization: "Basic abc" } })).status).toBe(401);
    expect((await call(quotaRoute, null, "/api/billing/quota")).status).toBe(401);

    const revoked = await call(
      revokeKeyRoute,
      alice,
      `/api/billing/api-keys/${key.id}`,
      { method: "DELETE" },
      { params: Promise.resolve({ id: key.id }) },
    );
    expect(revoked).toMatchObject({ status: 200, body: { revoked: true } });
    expect((await call(quotaRoute, null, "/api/billing/quota", { headers: bearer(key.key) })).status).toBe(401);

    const soon = await newKey(alice, { name: "short", expiresAt: new Date(Date.now() + 1_500).toISOString() });
    expect((await call(quotaRoute, null, "/api/billing/quota", { headers: bearer(soon.key) })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await call(quotaRoute, null, "/api/billing/quota", { headers: bearer(soon.key) })).status).toBe(401);
    const past = await call(createKeyRoute, alice, "/api/billing/api-keys", {
      method: "POST",
      body: { name: "x", expiresAt: "2000-01-01T00:00:00Z" },
    });
    expect(past).toMatchObject({ status: 400, body: { field: "expiresAt" } });
    expect((await call(createKeyRoute, alice, "/api/billing/api-keys", { method: "POST", body: { name: "" } })).body).toMatchObject({
      field: "name",
    });
  });

  it("key management takes a session only: an API key cannot mint, list or revoke keys (401), even beside a cookie", async () => {
    const user = await env.createUser();
    await env.subscribe(user, { planId: "pro" });
    const leaked = await newKey(user, { name: "leaked" });
    const other = await newKey(user, { name: "other" });
    const revokeOther = { method: "DELETE", headers: bearer(leaked.key) };
    const attempts = [
      await call(createKeyRoute, null, "/api/billing/api-keys", { method: "POST", body: { name: "minted" }, headers: bearer(leaked.key) }),
      await call(listKeysRoute, null, "/api/billing/api-keys", { headers: bearer(leaked.key) }),
      await call(revokeKeyRoute, null, `/api/billing/api-keys/${other.id}`, revokeOther, { params: Promise.resolve({ id: other.id }) }),
      await call(revokeKeyRoute, null, `/api/billing/api-keys/${leaked.id}`, revokeOther, { params: Promise.resolve({ id: leaked.id }) }),
      // A key presented beside the owner's cookie is refused too, never a fallback to the session.
      await call(createKeyRoute, user, "/api/billing/api-keys", { method: "POST", body: { name: "minted" }, headers: bearer(leaked.key) }),
    ];
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({
        status: 401,
        body: { error: "unauthorized", message: expect.stringContaining("signed-in session") },
      });
    }
    const rows = await env.db.select().from(apiKeys).where(eq(apiKeys.accountId, user));
    expect(rows.map((r) => [r.name, r.revokedAt])).toEqual(
      expect.arrayContaining([
        ["leaked", null],
        ["other", null],
      ]),
    );
    expect(rows).toHaveLength(2);
    // The owner, signed in, revokes the leaked key, and it stops working at once.
    expect(
      (
        await call(
          revokeKeyRoute,
          user,
          `/api/billing/api-keys/${leaked.id}`,
          { method: "DELETE" },
          { params: Promise.resolve({ id: leaked.id }) },
        )
      ).status,
    ).toBe(200);
    expect((await call(quotaRoute, null, "/api/billing/quota", { headers: bearer(leaked.key) })).status).toBe(401);
  });

  it("API keys need a plan with API access: 403 on Free, paused (401) when the plan loses it, working again on upgrade", async () => {
    const user = await env.createUser();
    const refused = await call(createKeyRoute, user, "/api/billing/api-keys", { method: "POST", body: { name: "free" } });
    expect(refused).toMatchObject({
      status: 403,
      body: { error: "feature_not_in_plan", feature: "apiAccess", plan: "free", plans: ["pro", "team", "scale", "enterprise"] },
    });
    expect(await env.db.select().from(apiKeys).where(eq(apiKeys.accountId, user))).toHaveLength(0);

    const pro = await env.subscribe(user, { planId: "pro" });
    const key = await newKey(user);
    expect((await call(quotaRoute, null, "/api/billing/quota", { headers: bearer(key.key) })).body).toMatchObject({ plan: "pro" });
    // The entitlement comes from the per-process cache while its guard holds: no reload per request.
    const before = entitlementCacheStats();
    await authenticateApiKey(key.key);
    await authenticateApiKey(key.key);
    expect(entitlementCacheStats().loads).toBe(before.loads);
    expect(entitlementCacheStats().hits).toBeGreaterThanOrEqual(before.hits + 2);

    // The subscription ends (as the webhook sync writes it): the key is paused at once, with a reason.
    await env.db
      .update(subscriptions)
      .set({ status: "canceled", updatedAt: sql`now()` })
      .where(eq(subscriptions.id, pro.id));
    const paused = await call(usageRoute, null, "/api/billing/usage", {
      method: "POST",
      body: { meter: "jobs", quantity: 1, idempotencyKey: "p" },
      headers: bearer(key.key),
    });
    expect(paused).toMatchObject({
      status: 401,
      body: {
        error: "api_access_not_in_plan",
        plan: "free",
        plans: ["pro", "team", "scale", "enterprise"],
        upgradeUrl: "http://app.test/pricing",
      },
    });
    expect(paused.body.message).toContain("not included in the Free plan");
    expect(await env.events(user, "jobs")).toHaveLength(0);
    expect((await call(quotaRoute, null, "/api/billing/quota", { headers: bearer(key.key) })).status).toBe(401);
    // The key is kept (listed, not revoked), and the signed-in owner still sees usage.
    expect((await call(listKeysRoute, user, "/api/billing/api-keys")).body.keys).toEqual([expect.objectContaining({ id: key.id })]);
    expect((await call(quotaRoute, user, "/api/billing/quota")).status).toBe(200);

    // Upgrading again brings the same key back.
    await env.subscribe(user, { planId: "scale" });
    const back = await call(usageRoute, null, "/api/billing/usage", {
      method: "POST",
      body: { meter: "jobs", quantity: 1, idempotencyKey: "q" },
      headers: bearer(key.key),
    });
    expect(back).toMatchObject({ status: 200, body: { allowed: true, used: 1, limit: 10_000 } });
  });

  it("a batch answers conflict for a key repeated with another meter or quantity, as the single call does", async () => {
    const user = await env.createUser();
    const events = [
      { meter: "jobs", quantity: 1, idempotencyKey: "same" },
      { meter: "api_calls", quantity: 1, idempotencyKey: "same" },
      { meter: "jobs", quantity: 2, idempotencyKey: "same" },
      { meter: "jobs", quantity: 1, idempotencyKey: "same" },
    ];
    const res = await call(usageRoute, user, "/api/billing/usage", { method: "POST", body: { events } });
    expect(res.status).toBe(200);
    const results = res.body.results as Json[];
    expect(results[0]).toMatchObject({ idempotencyKey: "same", allowed: true, used: 1 });
    expect(results[1]).toMatchObject({ idempotencyKey: "same", allowed: false, error: "conflict" });
    expect(results[2]).toMatchObject({ idempotencyKey: "same", allowed: false, error: "conflict" });
    expect(results[3]).toEqual(results[0]);
    expect(await env.events(user, "jobs")).toHaveLength(1);
    expect(await env.events(user, "api_calls")).toHaveLength(0);
    // The single call answers the same reuse with 409, and a later batch with a conflict against the recorded event.
    const single = await call(usageRoute, user, "/api/billing/usage", {
      method: "POST",
      body: { meter: "jobs", quantity: 2, idempotencyKey: "same" },
    });
    expect(single).toMatchObject({ status: 409, body: { error: "conflict" } });
    const later = await call(usageRoute, user, "/api/billing/usage", {
      method: "POST",
      body: { events: [{ meter: "api_calls", quantity: 1, idempotencyKey: "same" }] },
    });
    expect(later.body.results).toEqual([expect.objectContaining({ allowed: false, error: "conflict" })]);
  });

  it("withQuota: the demo job costs one unit until 402, and an Idempotency-Key retry is free", async () => {
    const user = await env.createUser();
    const run = (headers?: Record<string, string>) => call(runJobRoute, user, "/api/demo/jobs", { method: "POST", headers });
    const first = await run({ "idempotency-key": "job-1" });
    expect(first).toMatchObject({ status: 200, body: { job: { status: "succeeded" }, usage: { used: 1, limit: 5 } } });
    expect(first.headers.get("ratelimit-remaining")).toBe("4");
    expect((await run({ "idempotency-key": "job-1" })).body).toMatchObject({ usage: { used: 1 } });
    for (let i = 0; i < 4; i += 1) expect((await run()).status).toBe(200);
    const refused = await run();
    expect(refused).toMatchObject({ status: 402, body: { error: "quota_exceeded", meter: "jobs", used: 5, limit: 5 } });
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    // Signed out it is the guest allowance, not this user's quota (see anonymous-usage.test.ts).
    expect((await call(runJobRoute, null, "/api/demo/jobs", { method: "POST" })).body).toMatchObject({ usage: { used: 1, limit: 3 } });
    // A bad API key is a 401, never the guest allowance.
    expect((await call(runJobRoute, null, "/api/demo/jobs", { method: "POST", headers: bearer("nsb_wrongwrongwrongwrong") })).status).toBe(
      401,
    );
  });

  it("requireFeature answers 403 feature_not_in_plan with the plans that include it", async () => {
    const user = await env.createUser();
    const handler = route({ access: "public" }, async () => {
      await requireFeature(user, "auditLog");
      return Response.json({ ok: true });
    });
    const res = await handler(new Request("http://localhost/api/feature"));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: "feature_not_in_plan",
      feature: "auditLog",
      plan: "free",
      plans: ["team", "scale", "enterprise"],
    });
    await env.subscribe(user, { planId: "scale" });
    expect((await handler(new Request("http://localhost/api/feature"))).status).toBe(200);
  });
});
