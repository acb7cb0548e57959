import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { GET as createKeyList, POST as createKeyRoute } from "@/app/api/billing/api-keys/route";
import { GET as entitlementsRoute } from "@/app/api/billing/entitlements/route";
import { subscriptions } from "@/db/schema";
import { setLimitOverride } from "@/lib/billing/admin/customer-actions";
import { gracePeriodDays } from "@/lib/billing/entitlements";
import { entitlementCacheStats } from "@/lib/billing/metering/context";
import { CONSTANT_IDS } from "@/lib/billing/plan-constants";
import { getPlan, planLevelLimitsFor, planLimitsFor } from "@/lib/billing/plans";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";
import { requestAs } from "../helpers/session";

type Json = Record<string, unknown>;

describe.each(POOLED_DATABASE_KINDS)("entitlements API on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
    process.env.APP_URL = "http://app.test";
  });
  afterAll(() => env.stop());

  async function get(userId: string | null, headers: Record<string, string> = {}, query = "") {
    const res = await entitlementsRoute((await requestAs(userId, `/api/billing/entitlements${query}`, { headers })) as never);
    const text = await res.text();
    return {
      status: res.status,
      etag: res.headers.get("etag"),
      cacheControl: res.headers.get("cache-control"),
      text,
      body: text ? (JSON.parse(text) as Json) : null,
    };
  }

  it("answers the catalog's features, limits and constants with an ETag, and 304 for a matching If-None-Match", async () => {
    const user = await env.createUser();
    const first = await get(user);
    expect(first.status).toBe(200);
    const free = getPlan("free");
    const limits = planLimitsFor(free);
    expect(first.body).toEqual({
      accountId: user,
      plan: "free",
      status: "free",
      features: free.features,
      limits: Object.fromEntries(
        Object.entries(limits).map(([meter, limit]) => [
          meter,
          { limit, overage: "block", windows: [{ window: "period", limit, resetsAt: expect.any(String) }] },
        ]),
      ),
      levels: Object.fromEntries(Object.entries(planLevelLimitsFor(free)).map(([gauge, limit]) => [gauge, { limit }])),
      constants: free.constants,
      expiresAt: null,
    });
    expect(Object.keys(first.body!.constants as Json).sort()).toEqual([...CONSTANT_IDS].sort());
    expect(first.etag).toMatch(/^"[\w-]{22}"$/);
    expect(first.cacheControl).toBe("private, no-cache, no-transform");

    const same = await get(user, { "if-none-match": first.etag! });
    expect(same).toMatchObject({ status: 304, etag: first.etag, text: "" });
    expect((await get(user, { "if-none-match": `"other", W/${first.etag}` })).status).toBe(304);
    expect((await get(user, { "if-none-match": '"other"' })).status).toBe(200);
  });

  it("serves repeated calls from the entitlement cache, and a plan change applies on the very next call", async () => {
    const user = await env.createUser();
    const before = await get(user);
    const loads = entitlementCacheStats().loads;
    await get(user);
    await get(user, { "if-none-match": before.etag! });
    expect(entitlementCacheStats().loads).toBe(loads);

    // A webhook on another instance stores the new subscription: this process's cache entry is stale.
    const trialEnd = new Date(Date.now() + 7 * 86_400_000);
    const sub = await env.subscribe(user, { planId: "pro", status: "trialing", trialEnd });
    const trial = await get(user, { "if-none-match": before.etag! });
    expect(trial.status).toBe(200);
    expect(trial.etag).not.toBe(before.etag);
    expect(trial.body).toMatchObject({
      plan: "pro",
      status: "trialing",
      expiresAt: trialEnd.toISOString(),
      constants: getPlan("pro").constants,
      features: getPlan("pro").features,
    });
    expect(entitlementCacheStats().loads).toBe(loads + 1);

    const pastDueSince = new Date(Date.now() - 86_400_000);
    await env.db
      .update(subscriptions)
      .set({ status: "past_due", pastDueSince, updatedAt: sql`now()` })
      .where(eq(subscriptions.id, sub.id));
    const grace = await get(user);
    expect(grace.body).toMatchObject({
      plan: "pro",
      status: "past_due",
      expiresAt: new Date(pastDueSince.getTime() + gracePeriodDays() * 86_400_000).toISOString(),
    });

    await env.db
      .update(subscriptions)
      .set({ status: "canceled", updatedAt: sql`now()` })
      .where(eq(subscriptions.id, sub.id));
    const canceled = await get(user, { "if-none-match": grace.etag! });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ plan: "free", status: "free", expiresAt: null, constants: getPlan("free").constants });
    // Back on Free: the same answer as before the trial, so the same ETag.
    expect(canceled.etag).toBe(before.etag);
  });

  it("applies an admin's limit override on the next call, and its removal too", async () => {
    const admin = await env.createUser();
    const user = await env.createUser();
    await env.subscribe(user, { planId: "pro" });
    const before = await get(user);
    expect((before.body!.limits as Record<string, Json>).jobs).toMatchObject({ limit: 500 });

    await setLimitOverride(env.db, user, { meter: "jobs", limit: 42 }, admin);
    const overridden = await get(user, { "if-none-match": before.etag! });
    expect(overridden.status).toBe(200);
    expect((overridden.body!.limits as Record<string, Json>).jobs).toMatchObject({
      limit: 42,
      windows: [expect.objectContaining({ limit: 42 })],
    });

    await setLimitOverride(env.db, user, { meter: "jobs", limit: "unlimited" }, admin);
    expect(((await get(user)).body!.limits as Record<string, Json>).jobs).toMatchObject({ limit: null });

    await setLimitOverride(env.db, user, { meter: "jobs", limit: null }, admin);
    const back = await get(user, { "if-none-match": before.etag! });
    expect(back).toMatchObject({ status: 304, etag: before.etag });
  });

  it("answers an API key for its own account, and nobody signed out", async () => {
    const user = await env.createUser();
    await env.subscribe(user, { planId: "pro" });
    const created = await createKeyRoute(
      (await requestAs(user, "/api/billing/api-keys", { method: "POST", body: { name: "svc" } })) as never,
    );
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const viaKey = await get(null, { authorization: `Bearer ${key}` });
    expect(viaKey.status).toBe(200);
    expect(viaKey.body).toMatchObject({ accountId: user, plan: "pro", status: "active" });
    expect(viaKey.etag).toBe((await get(user)).etag);
    expect((await get(null)).status).toBe(401);
    // The list route is untouched by any of this.
    expect((await createKeyList((await requestAs(user, "/api/billing/api-keys")) as never)).status).toBe(200);
  });
});
