/**
 * Pooled quota (issue 20): an organization's members use the product against the organization's
 * quota, one counter for the account, whoever consumes. Two members consuming at the same moment
 * never take more than the limit together (exactly the limit succeeds, the rest is refused with
 * 402 `quota_exceeded`), and the same users' personal accounts are not touched.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as adminCustomerRoute } from "@/app/api/billing/admin/users/[id]/route";
import { POST as createKeyRoute } from "@/app/api/billing/api-keys/route";
import { GET as quotaRoute } from "@/app/api/billing/quota/route";
import { POST as usageRoute } from "@/app/api/billing/usage/route";
import { accounts, memberships, usageCounters, usageEvents, users, type MembershipRole } from "@/db/schema";
import { consume, getQuota } from "@/lib/billing/metering";
import { METER_IDS, getPlan } from "@/lib/billing/plans";
import { DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";
import { requestAs } from "../helpers/session";

type Json = Record<string, unknown>;

/** The plan the organizations are on, and its jobs limit from the catalog. */
const PLAN = getPlan("pro");
const LIMIT = PLAN.limits.jobs as number;
/** Units per call: the limit is a whole number of calls, and two members together ask for more. */
const UNITS = 5;
const CALLS_PER_MEMBER = Math.ceil((LIMIT / UNITS) * 0.8);

describe.each(DATABASE_KINDS)("pooled quota of an organization on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  let admin: string;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
    process.env.APP_URL = "http://app.test";
    const [row] = await env.db
      .insert(users)
      .values({ email: `org-quota-admin-${kind}@example.com`, role: "admin", emailVerifiedAt: new Date() })
      .returning();
    admin = row.id;
  });
  afterAll(() => env.stop());

  /** An organization account with these members (as the orgs domain leaves it), on PLAN. */
  async function organization(members: Array<[string, MembershipRole]>): Promise<string> {
    const [account] = await env.db
      .insert(accounts)
      .values({ kind: "organization", name: `Acme ${members.length} ${Date.now()}` })
      .returning();
    await env.db.insert(memberships).values(members.map(([userId, role]) => ({ accountId: account.id, userId, role })));
    await env.subscribe(account.id, { planId: PLAN.id });
    return account.id;
  }

  /** Every counter and event of an account: what must not move on the members' personal accounts. */
  async function usageOf(accountId: string) {
    const counters = await env.db.select().from(usageCounters).where(eq(usageCounters.accountId, accountId));
    const events = await env.db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId));
    return {
      counters: counters.map((c) => [c.meter, c.periodStart.toISOString(), c.used, c.reserved]).sort(),
      events: events.map((e) => e.id).sort(),
    };
  }

  async function call(
    handler: (r: never, ...rest: never[]) => Promise<Response>,
    userId: string | null,
    path: string,
    init: Parameters<typeof requestAs>[2] = {},
    ...rest: unknown[]
  ) {
    const res = await handler((await requestAs(userId, path, init)) as never, ...(rest as never[]));
    return { status: res.status, body: (await res.json()) as Json };
  }

  it("two members consuming in parallel through the domain never exceed the organization's limit", async () => {
    const owner = await env.createUser();
    const first = await env.createUser();
    const second = await env.createUser();
    // The members' own accounts have usage of their own, which the organization's must not touch.
    expect(await consume(first, "jobs", 2, { idempotencyKey: "own" })).toMatchObject({ allowed: true, used: 2 });
    const org = await organization([
      [owner, "owner"],
      [first, "admin"],
      [second, "member"],
    ]);
    const personalBefore = await Promise.all([owner, first, second].map(usageOf));

    // Interleaved, so that both members are consuming all along.
    const results = await Promise.all(
      Array.from({ length: CALLS_PER_MEMBER }, (_, i) =>
        [first, second].map((member) => consume(org, "jobs", UNITS, { idempotencyKey: `${member}-${i}`, metadata: { member } })),
      ).flat(),
    );
    const allowed = results.filter((r) => r.allowed);
    expect(2 * CALLS_PER_MEMBER * UNITS).toBeGreaterThan(LIMIT);
    expect(allowed).toHaveLength(LIMIT / UNITS);
    expect(results.filter((r) => !r.allowed).every((r) => r.used === LIMIT && r.limit === LIMIT && r.remaining === 0)).toBe(true);
    // Every allowed answer saw its own counter value: the members queued on one counter.
    expect(allowed.map((r) => r.used).sort((a, b) => a - b)).toEqual(Array.from({ length: LIMIT / UNITS }, (_, i) => (i + 1) * UNITS));
    // Both members got some of it: the counter is the organization's, not a member's.
    const events = await env.events(org, "jobs");
    expect(events.reduce((sum, e) => sum + e.quantity, 0)).toBe(LIMIT);
    expect(new Set(events.map((e) => e.metadata.member))).toEqual(new Set([first, second]));
    const [counter] = await env.counterRows(org, "jobs");
    expect(counter.used).toBe(LIMIT);

    const quota = await getQuota(org);
    expect(quota.plan.id).toBe(PLAN.id);
    expect(quota.meters.jobs).toMatchObject({ used: LIMIT, limit: LIMIT, remaining: 0 });
    expect(await Promise.all([owner, first, second].map(usageOf))).toEqual(personalBefore);
    expect((await getQuota(first)).meters.jobs).toMatchObject({ used: 2, limit: getPlan("free").limits.jobs });
    expect((await getQuota(second)).meters.jobs.used).toBe(0);
  });

  it("through POST /api/billing/usage (two members naming the organization, and its API key): exactly the limit succeeds, the rest is 402 quota_exceeded; the members' quota view equals the admin's", async () => {
    const owner = await env.createUser();
    const first = await env.createUser();
    const second = await env.createUser();
    const outsider = await env.createUser();
    const org = await organization([
      [owner, "owner"],
      [first, "member"],
      [second, "member"],
    ]);
    const personalBefore = await Promise.all([owner, first, second, outsider].map(usageOf));

    // Not a member: 404, nothing recorded.
    const stranger = await call(usageRoute, outsider, "/api/billing/usage", {
      method: "POST",
      body: { accountId: org, meter: "jobs", quantity: UNITS, idempotencyKey: "stranger" },
    });
    expect(stranger).toMatchObject({ status: 404, body: { error: "not_found" } });
    // The owner's key for the organization: it acts for the organization without naming it, and for nothing else.
    const created = await call(createKeyRoute, owner, "/api/billing/api-keys", {
      method: "POST",
      body: { name: "org ci", accountId: org },
    });
    expect(created.status).toBe(201);
    const bearer = { authorization: `Bearer ${created.body.key as string}` };
    const elsewhere = await call(usageRoute, null, "/api/billing/usage", {
      method: "POST",
      headers: bearer,
      body: { accountId: first, meter: "jobs", quantity: UNITS, idempotencyKey: "key-elsewhere" },
    });
    expect(elsewhere).toMatchObject({ status: 404, body: { error: "not_found" } });

    // One call by the key first, so what the key records is checked whatever order the burst below lands in
    // (the members can win every unit of it).
    const firstByKey = await call(usageRoute, null, "/api/billing/usage", {
      method: "POST",
      headers: bearer,
      body: { meter: "jobs", quantity: UNITS, idempotencyKey: "http-key-first" },
    });
    expect(firstByKey.status).toBe(200);
    // Interleaved: both members and the key are calling all along.
    const burst = await Promise.all(
      Array.from({ length: CALLS_PER_MEMBER }, (_, i) => [
        ...[first, second].map((member) =>
          call(usageRoute, member, "/api/billing/usage", {
            method: "POST",
            body: { accountId: org, meter: "jobs", quantity: UNITS, idempotencyKey: `http-${member}-${i}` },
          }),
        ),
        call(usageRoute, null, "/api/billing/usage", {
          method: "POST",
          headers: bearer,
          body: { meter: "jobs", quantity: UNITS, idempotencyKey: `http-key-${i}` },
        }),
      ]).flat(),
    );
    const responses = [firstByKey, ...burst];
    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(LIMIT / UNITS);
    expect(refused).toHaveLength(3 * CALLS_PER_MEMBER + 1 - LIMIT / UNITS);
    for (const r of refused)
      expect(r).toMatchObject({ status: 402, body: { error: "quota_exceeded", meter: "jobs", used: LIMIT, limit: LIMIT, plan: PLAN.id } });
    expect(Math.max(...ok.map((r) => r.body.used as number))).toBe(LIMIT);
    const [counter] = await env.counterRows(org, "jobs");
    expect(counter.used).toBe(LIMIT);
    const events = await env.events(org, "jobs");
    expect(events.reduce((sum, e) => sum + e.quantity, 0)).toBe(LIMIT);
    // The key's calls are recorded with it, the members' without.
    const byKey = events.filter((e) => e.apiKeyId === created.body.id);
    expect(byKey.length).toBeGreaterThan(0);
    expect(byKey.every((e) => e.idempotencyKey?.startsWith("http-key-"))).toBe(true);
    expect(events.filter((e) => e.idempotencyKey?.startsWith("http-key-"))).toHaveLength(byKey.length);
    expect(await Promise.all([owner, first, second, outsider].map(usageOf))).toEqual(personalBefore);

    // What a member sees of the organization is what an admin sees of that account.
    const customerView = await call(quotaRoute, second, `/api/billing/quota?accountId=${org}`);
    expect(customerView.status).toBe(200);
    expect(customerView.body).toMatchObject({ plan: PLAN.id, meters: { jobs: { used: LIMIT, limit: LIMIT, remaining: 0 } } });
    const adminView = await call(
      adminCustomerRoute,
      admin,
      `/api/billing/admin/users/${org}`,
      {},
      { params: Promise.resolve({ id: org }) },
    );
    expect(adminView.status).toBe(200);
    expect(adminView.body).toMatchObject({ id: org, kind: "organization" });
    const adminUsage = Object.fromEntries(
      (adminView.body.usage as Array<{ meter: string; used: number; limit: number | null }>).map((m) => [
        m.meter,
        { used: m.used, limit: m.limit },
      ]),
    );
    const meters = customerView.body.meters as Record<string, { used: number; limit: number | null }>;
    expect(adminUsage).toEqual(Object.fromEntries(METER_IDS.map((m) => [m, { used: meters[m].used, limit: meters[m].limit }])));
    // Each member's own quota (no accountId) is their personal account's, untouched.
    for (const member of [first, second]) {
      const own = await call(quotaRoute, member, "/api/billing/quota");
      expect(own.body).toMatchObject({ accountId: member, plan: "free", meters: { jobs: { used: 0 } } });
    }
    // A non-member cannot read the organization's quota either.
    expect(await call(quotaRoute, outsider, `/api/billing/quota?accountId=${org}`)).toMatchObject({
      status: 404,
      body: { error: "not_found" },
    });
    expect(
      await env.db
        .select()
        .from(memberships)
        .where(and(eq(memberships.accountId, org), eq(memberships.userId, outsider))),
    ).toEqual([]);
  });
});
