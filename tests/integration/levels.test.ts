import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { GET as levelsRoute, POST as changeRoute } from "@/app/api/billing/levels/route";
import { GET as entitlementsRoute } from "@/app/api/billing/entitlements/route";
import { subscriptions, usageLevels } from "@/db/schema";
import { isAppError } from "@/lib/errors";
import { adjustLevel, getLevels, setLevel } from "@/lib/billing/metering/levels";
import { getUsageOverview } from "@/lib/billing/metering/overview";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";
import { requestAs } from "../helpers/session";

type Json = Record<string, unknown>;

describe.each(POOLED_DATABASE_KINDS)("gauges (levels) on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
    process.env.APP_URL = "http://app.test";
  });
  afterAll(() => env.stop());

  const stored = async (accountId: string, gauge: string) =>
    (
      await env.db
        .select()
        .from(usageLevels)
        .where(and(eq(usageLevels.accountId, accountId), eq(usageLevels.gauge, gauge)))
    )[0]?.level ?? null;
  const refusal = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      if (isAppError(error)) return { code: error.code, details: error.details };
      throw error;
    }
    throw new Error("expected a refusal");
  };

  it("200 parallel +1 moves at the maximum: exactly the maximum is granted, never more", async () => {
    const user = await env.createUser();
    await env.subscribe(user, { planId: "pro" }); // storage: 10,000 MB
    await setLevel(user, "storage", 9_900);
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => adjustLevel(user, "storage", 1)));
    const granted = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected");
    expect(granted).toHaveLength(100);
    expect(refused).toHaveLength(100);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "level_limit_reached" });
    expect(await stored(user, "storage")).toBe(10_000);
    const levels = granted.map((r) => (r as PromiseFulfilledResult<{ level: number }>).value.level).sort((a, b) => a - b);
    expect(levels).toEqual(Array.from({ length: 100 }, (_, i) => 9_901 + i));
  });

  it("sets and moves a level, refuses past the maximum and below zero, changing nothing", async () => {
    const user = await env.createUser(); // Free: 3 projects
    expect(await adjustLevel(user, "projects", 2)).toMatchObject({
      gauge: "projects",
      level: 2,
      limit: 3,
      remaining: 1,
      over: false,
      plan: { id: "free" },
    });
    expect(await refusal(adjustLevel(user, "projects", 2))).toEqual({
      code: "level_limit_reached",
      details: { gauge: "projects", level: 2, requested: 4, limit: 3, plan: "free", upgradeUrl: "http://app.test/pricing" },
    });
    expect(await refusal(setLevel(user, "projects", 4))).toMatchObject({ code: "level_limit_reached", details: { requested: 4 } });
    expect(await refusal(adjustLevel(user, "projects", -3))).toMatchObject({ code: "bad_request", details: { level: 2 } });
    expect(await stored(user, "projects")).toBe(2);
    expect(await setLevel(user, "projects", 3)).toMatchObject({ level: 3, remaining: 0 });
    expect(await setLevel(user, "projects", 0)).toMatchObject({ level: 0, remaining: 3 });
  });

  it("after a downgrade below the level: flagged over, increases refused, decreases allowed, nothing reset", async () => {
    const user = await env.createUser();
    const pro = await env.subscribe(user, { planId: "pro" }); // projects: unlimited
    await setLevel(user, "projects", 7);
    expect((await getLevels(user)).projects).toMatchObject({ level: 7, limit: null, over: false });

    await env.db
      .update(subscriptions)
      .set({ status: "canceled", updatedAt: sql`now()` })
      .where(eq(subscriptions.id, pro.id));
    // The cached entitlement (unlimited) is stale: the statement's guard notices, on this call already.
    expect(await refusal(adjustLevel(user, "projects", 1))).toMatchObject({
      code: "level_limit_reached",
      details: { level: 7, limit: 3, plan: "free" },
    });
    expect((await getLevels(user)).projects).toMatchObject({ level: 7, limit: 3, remaining: 0, over: true });
    // The billing page's read shows the same level and the flag.
    expect((await getUsageOverview(user)).levels.find((l) => l.id === "projects")).toMatchObject({
      level: 7,
      limit: 3,
      over: true,
      state: "exceeded",
    });
    expect(await setLevel(user, "projects", 7)).toMatchObject({ level: 7, over: true }); // not an increase: allowed
    expect(await adjustLevel(user, "projects", -1)).toMatchObject({ level: 6, over: true });
    expect(await setLevel(user, "projects", 2)).toMatchObject({ level: 2, over: false, remaining: 1 });

    // A new period (a renewal) changes no gauge.
    await env.subscribe(user, { planId: "pro", currentPeriodStart: new Date(), currentPeriodEnd: new Date(Date.now() + 30 * 86_400_000) });
    expect((await getLevels(user)).projects).toMatchObject({ level: 2, limit: null });
  });

  it("over HTTP: GET lists every gauge, POST sets or moves one, and bad input is a 400 that changes nothing", async () => {
    const user = await env.createUser();
    const post = async (body: Json) => {
      const res = await changeRoute((await requestAs(user, "/api/billing/levels", { method: "POST", body })) as never);
      return { status: res.status, body: (await res.json()) as Json };
    };
    expect(await post({ gauge: "storage", value: 120 })).toEqual({
      status: 200,
      body: { gauge: "storage", level: 120, limit: 500, remaining: 380, over: false },
    });
    expect(await post({ gauge: "storage", delta: -20 })).toMatchObject({ status: 200, body: { level: 100 } });
    expect(await post({ gauge: "storage", delta: 401 })).toMatchObject({
      status: 402,
      body: { error: "level_limit_reached", level: 100, requested: 501, limit: 500 },
    });
    expect(await post({ gauge: "storage", value: 1, delta: 1 })).toMatchObject({ status: 400, body: { error: "bad_request" } });
    expect(await post({ gauge: "disk", value: 1 })).toMatchObject({ status: 400, body: { error: "bad_request" } });
    expect(await post({ gauge: "storage", value: -1 })).toMatchObject({ status: 400 });
    expect(await post({ gauge: "storage", delta: 0 })).toMatchObject({ status: 400 });
    expect(await stored(user, "storage")).toBe(100);

    const list = await levelsRoute((await requestAs(user, "/api/billing/levels")) as never);
    expect(await list.json()).toEqual({
      accountId: user,
      levels: {
        projects: { level: 0, limit: 3, remaining: 3, over: false },
        storage: { level: 100, limit: 500, remaining: 400, over: false },
      },
    });
    const entitlements = (await (await entitlementsRoute((await requestAs(user, "/api/billing/entitlements")) as never)).json()) as Json;
    expect(entitlements.levels).toEqual({ projects: { limit: 3 }, storage: { limit: 500 } });
  });
});
