import { and, eq } from "drizzle-orm";
import type { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as alertsRoute, POST as saveAlertRoute } from "@/app/api/billing/admin/alerts/route";
import { GET as auditRoute } from "@/app/api/billing/admin/audit/route";
import { GET as invoicesRoute } from "@/app/api/billing/admin/invoices/route";
import { GET as metricsRoute } from "@/app/api/billing/admin/metrics/route";
import { POST as retryRoute } from "@/app/api/billing/admin/notifications/[id]/retry/route";
import { POST as limitsRoute } from "@/app/api/billing/admin/users/[id]/limits/route";
import { GET as customerRoute } from "@/app/api/billing/admin/users/[id]/route";
import { POST as spendCapRoute } from "@/app/api/billing/admin/users/[id]/spend-cap/route";
import { POST as staffRoute } from "@/app/api/billing/admin/users/[id]/staff/route";
import { POST as syncRoute } from "@/app/api/billing/admin/users/[id]/sync/route";
import { GET as usersRoute } from "@/app/api/billing/admin/users/route";
import { POST as disableEndpointRoute } from "@/app/api/billing/admin/webhook-endpoints/[id]/disable/route";
import { POST as enableEndpointRoute } from "@/app/api/billing/admin/webhook-endpoints/[id]/enable/route";
import { POST as rotateEndpointRoute } from "@/app/api/billing/admin/webhook-endpoints/[id]/rotate-secret/route";
import { POST as testEndpointRoute } from "@/app/api/billing/admin/webhook-endpoints/[id]/test/route";
import { POST as replayDeliveryRoute } from "@/app/api/billing/admin/webhook-endpoints/deliveries/[id]/replay/route";
import { GET as deliveriesRoute } from "@/app/api/billing/admin/webhook-endpoints/deliveries/route";
import { GET as endpointsRoute, POST as createEndpointRoute } from "@/app/api/billing/admin/webhook-endpoints/route";
import { POST as replayRoute } from "@/app/api/billing/admin/webhooks/[id]/replay/route";
import { GET as webhookRoute } from "@/app/api/billing/admin/webhooks/[id]/route";
import { GET as webhooksRoute } from "@/app/api/billing/admin/webhooks/route";
import { POST as deactivatePromotionRoute } from "@/app/api/billing/admin/promotions/[id]/deactivate/route";
import { GET as promotionsRoute, POST as createPromotionRoute } from "@/app/api/billing/admin/promotions/route";
import {
  accounts,
  auditLog,
  memberships,
  customerLimitOverrides,
  invoices,
  revenueAlertRules,
  subscriptions,
  users,
  webhookEndpoints,
  webhookEvents,
  type User,
  spendCaps,
} from "@/db/schema";
import { ensureBillingCustomer } from "@/lib/billing/customers";
import { getEntitlement } from "@/lib/billing/entitlements";
import { consume } from "@/lib/billing/metering";
import { getBillingSummary } from "@/lib/billing/summary";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

type Handler = (request: NextRequest, context: { params: Promise<{ id: string }> }) => Promise<Response>;
const ctx = (id: string) => ({ params: Promise.resolve({ id }) });

describe.each(POOLED_DATABASE_KINDS)("admin API on %s", (kind) => {
  let env: BillingEnv;
  let admin: User;
  let normal: User;

  beforeAll(async () => {
    process.env.NEXTAUTH_SECRET = "admin-api-test-secret";
    env = await startBillingEnv(kind);
    [admin] = await env.database.db
      .insert(users)
      .values({ email: `admin-${kind}@example.com`, role: "admin", emailVerifiedAt: new Date() })
      .returning();
    normal = await env.createUser(`normal-${kind}@example.com`);
  });
  afterAll(async () => env.stop());

  const call = async (handler: Handler, as: User | null, path: string, init: { method?: string; body?: unknown; id?: string } = {}) => {
    const response = await handler(await requestAs(as?.id ?? null, path, { method: init.method, body: init.body }), ctx(init.id ?? "x"));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: string } };
  };

  it("answers 401 signed out and 403 JSON to a normal user on every admin route, changing nothing", async () => {
    const target = await env.createUser();
    const routes: Array<[Handler, string, string, unknown?]> = [
      [usersRoute as Handler, "GET", "/api/billing/admin/users"],
      [customerRoute, "GET", `/api/billing/admin/users/${target.id}`],
      [staffRoute, "POST", `/api/billing/admin/users/${target.id}/staff`, { grant: true }],
      [limitsRoute, "POST", `/api/billing/admin/users/${target.id}/limits`, { meter: "api_calls", limit: 5 }],
      [spendCapRoute, "POST", `/api/billing/admin/users/${target.id}/spend-cap`, { capCents: 100 }],
      [syncRoute, "POST", `/api/billing/admin/users/${target.id}/sync`],
      [invoicesRoute as Handler, "GET", "/api/billing/admin/invoices"],
      [metricsRoute as Handler, "GET", "/api/billing/admin/metrics"],
      [webhooksRoute as Handler, "GET", "/api/billing/admin/webhooks"],
      [webhookRoute, "GET", "/api/billing/admin/webhooks/evt_x"],
      [replayRoute, "POST", "/api/billing/admin/webhooks/evt_x/replay"],
      [retryRoute, "POST", "/api/billing/admin/notifications/00000000-0000-4000-8000-000000000000/retry"],
      [auditRoute as Handler, "GET", "/api/billing/admin/audit"],
      [alertsRoute as Handler, "GET", "/api/billing/admin/alerts"],
      [saveAlertRoute as Handler, "POST", "/api/billing/admin/alerts", { rule: "mrr_drop", enabled: false, percent: 10, windowDays: 7 }],
      [promotionsRoute as Handler, "GET", "/api/billing/admin/promotions"],
      [
        createPromotionRoute as Handler,
        "POST",
        "/api/billing/admin/promotions",
        { code: "SNEAKY", name: "Sneaky", percentOff: 50, duration: "forever" },
      ],
      [deactivatePromotionRoute, "POST", "/api/billing/admin/promotions/promo_x/deactivate"],
      [endpointsRoute as Handler, "GET", "/api/billing/admin/webhook-endpoints"],
      [
        createEndpointRoute as Handler,
        "POST",
        "/api/billing/admin/webhook-endpoints",
        { url: "http://127.0.0.1:9/sneaky", eventTypes: ["invoice.paid"] },
      ],
      [disableEndpointRoute, "POST", "/api/billing/admin/webhook-endpoints/00000000-0000-4000-8000-000000000000/disable"],
      [enableEndpointRoute, "POST", "/api/billing/admin/webhook-endpoints/00000000-0000-4000-8000-000000000000/enable"],
      [rotateEndpointRoute, "POST", "/api/billing/admin/webhook-endpoints/00000000-0000-4000-8000-000000000000/rotate-secret"],
      [testEndpointRoute, "POST", "/api/billing/admin/webhook-endpoints/00000000-0000-4000-8000-000000000000/test"],
      [deliveriesRoute as Handler, "GET", "/api/billing/admin/webhook-endpoints/deliveries"],
      [replayDeliveryRoute, "POST", "/api/billing/admin/webhook-endpoints/deliveries/00000000-0000-4000-8000-000000000000/replay"],
    ];
    for (const [handler, method, path, body] of routes) {
      const id = path.split("/")[5] ?? "x";
      const anonymous = await call(handler, null, path, { method, body, id });
      expect(anonymous.status, `${method} ${path} signed out`).toBe(401);
      const forbidden = await call(handler, normal, path, { method, body, id });
      expect(forbidden.status, `${method} ${path} as a normal user`).toBe(403);
      expect(forbidden.body.error).toBe("forbidden");
    }
    expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, target.id))).toEqual([]);
    expect(await env.database.db.select().from(customerLimitOverrides).where(eq(customerLimitOverrides.accountId, target.id))).toEqual([]);
    expect(await env.database.db.select().from(spendCaps).where(eq(spendCaps.accountId, target.id))).toEqual([]);
    expect((await env.stripe.promotionCodes.list({ code: "SNEAKY" })).data).toEqual([]);
    expect(await env.database.db.select().from(webhookEndpoints)).toEqual([]);
    expect(
      await env.database.db
        .select({ enabled: revenueAlertRules.enabled })
        .from(revenueAlertRules)
        .where(eq(revenueAlertRules.rule, "mrr_drop")),
    ).toEqual([{ enabled: true }]);
  });

  it("creates coupons with promotion codes, lists them with redemptions and deactivates them, each action audited", async () => {
    const code = `LAUNCH-${kind}-${Date.now().toString(36)}`.toUpperCase();
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const body = {
      code,
      name: "Launch",
      percentOff: 20,
      duration: "repeating",
      durationInMonths: 3,
      maxRedemptions: 5,
      expiresAt,
      firstTimeOnly: true,
    };
    const created = await call(createPromotionRoute as Handler, admin, "/api/billing/admin/promotions", { method: "POST", body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      code,
      active: true,
      offer: "20% off for 3 months",
      maxRedemptions: 5,
      firstTimeOnly: true,
      timesRedeemed: 0,
    });
    const id = created.body.id as string;
    const stripeCode = await env.stripe.promotionCodes.retrieve(id, { expand: ["promotion.coupon"] });
    expect(stripeCode).toMatchObject({
      code,
      max_redemptions: 5,
      expires_at: Math.floor(Date.parse(expiresAt) / 1000),
      restrictions: { first_time_transaction: true },
    });
    expect(stripeCode.promotion.coupon).toMatchObject({ name: "Launch", percent_off: 20, duration: "repeating", duration_in_months: 3 });

    // An amount-off coupon, once; the same active code twice is a 409 and makes no coupon.
    const amount = await call(createPromotionRoute as Handler, admin, "/api/billing/admin/promotions", {
      method: "POST",
      body: { code: `${code}-5`, name: "Five off", amountOff: 500, currency: "usd", duration: "once" },
    });
    expect(amount.body).toMatchObject({ offer: "$5.00 off once", firstTimeOnly: false });
    const coupons = (await env.stripe.coupons.list({ limit: 100 })).data.length;
    expect((await call(createPromotionRoute as Handler, admin, "/api/billing/admin/promotions", { method: "POST", body })).status).toBe(
      409,
    );
    expect((await env.stripe.coupons.list({ limit: 100 })).data.length).toBe(coupons);
    for (const bad of [
      { ...body, percentOff: undefined },
      { ...body, amountOff: 100, currency: "usd" },
      { ...body, durationInMonths: undefined },
      { ...body, expiresAt: "2020-01-01T00:00:00Z" },
      { ...body, code: "has spaces" },
      { ...body, name: "a\u0000b" },
    ]) {
      const refused = await call(createPromotionRoute as Handler, admin, "/api/billing/admin/promotions", { method: "POST", body: bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }

    // A customer redeems it: the list shows the redemption.
    const customer = await env.stripe.customers.create({ email: `redeemer-${kind}@example.com` });
    await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    const [price] = (await env.stripe.prices.list({ lookup_keys: ["pro_monthly"] })).data;
    await env.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: "pm_card_visa",
      discounts: [{ promotion_code: id }],
    });
    const listed = await call(promotionsRoute as Handler, admin, "/api/billing/admin/promotions");
    expect(listed.status).toBe(200);
    expect((listed.body.promotionCodes as Array<Record<string, unknown>>).find((row) => row.id === id)).toMatchObject({
      code,
      timesRedeemed: 1,
      active: true,
    });

    const deactivate = () =>
      call(deactivatePromotionRoute, admin, `/api/billing/admin/promotions/${id}/deactivate`, { method: "POST", id });
    expect(await deactivate()).toMatchObject({ status: 200, body: { changed: true, promotionCode: { active: false } } });
    expect(await deactivate()).toMatchObject({ status: 200, body: { changed: false } });
    expect((await env.stripe.promotionCodes.retrieve(id)).active).toBe(false);
    expect(
      (
        await call(deactivatePromotionRoute, admin, "/api/billing/admin/promotions/promo_nope/deactivate", {
          method: "POST",
          id: "promo_nope",
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(deactivatePromotionRoute, admin, "/api/billing/admin/promotions/x/deactivate", { method: "POST", id: "../x" })).status,
    ).toBe(404);

    const audit = await env.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, "promotion_code"), eq(auditLog.targetId, id)))
      .orderBy(auditLog.id);
    expect(audit.map((row) => [row.action, row.actorUserId])).toEqual([
      ["promotion_code.created", admin.id],
      ["promotion_code.deactivated", admin.id],
    ]);
  });

  it("a customer's MRR follows every change to their subscriptions (the trigger behind sort=mrr)", async () => {
    const user = await env.createUser();
    const mrr = async () => (await env.database.db.select({ v: accounts.currentMrr }).from(accounts).where(eq(accounts.id, user.id)))[0].v;
    const base = {
      accountId: user.id,
      planId: "pro",
      currentPeriodStart: new Date(),
      currentPeriodEnd: new Date(Date.now() + 30 * 86_400_000),
    };
    expect(await mrr()).toBe(0);
    const [trial] = await env.database.db
      .insert(subscriptions)
      .values({
        ...base,
        providerSubscriptionId: `sub_mrr_t_${kind}_${Date.now()}`,
        status: "trialing",
        interval: "month",
        unitAmount: 1_900,
      })
      .returning();
    expect(await mrr()).toBe(0); // a trial pays nothing yet
    await env.database.db.update(subscriptions).set({ status: "active" }).where(eq(subscriptions.id, trial.id));
    expect(await mrr()).toBe(1_900);
    await env.database.db
      .update(subscriptions)
      .set({ interval: "year", unitAmount: 99_000, planId: "scale" })
      .where(eq(subscriptions.id, trial.id));
    expect(await mrr()).toBe(8_250); // yearly counts a twelfth
    await env.database.db.update(subscriptions).set({ quantity: 2 }).where(eq(subscriptions.id, trial.id));
    expect(await mrr()).toBe(16_500);
    await env.database.db.update(subscriptions).set({ status: "canceled" }).where(eq(subscriptions.id, trial.id));
    expect(await mrr()).toBe(0);
    // A later live subscription is the current one; deleting it leaves the canceled one (0).
    const [next] = await env.database.db
      .insert(subscriptions)
      .values({
        ...base,
        providerSubscriptionId: `sub_mrr_n_${kind}_${Date.now()}`,
        status: "past_due",
        interval: "month",
        unitAmount: 9_900,
      })
      .returning();
    expect(await mrr()).toBe(9_900);
    await env.database.db.delete(subscriptions).where(eq(subscriptions.id, next.id));
    expect(await mrr()).toBe(0);
  });

  it("lists customers with search, status filter, sort and keyset pages without repeats", async () => {
    const tag = `list${kind}${Date.now()}`;
    const made: User[] = [];
    for (let i = 0; i < 5; i += 1) made.push(await env.createUser(`${tag}-${i}@example.com`));
    await env.database.db.insert(subscriptions).values({
      accountId: made[2].id,
      providerSubscriptionId: `sub_${tag}`,
      status: "active",
      planId: "scale",
      interval: "year",
      unitAmount: 99_000,
      currency: "usd",
    });

    const search = await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${tag}&sort=email&dir=asc&limit=2`);
    expect(search.status).toBe(200);
    const seen: string[] = [];
    let page = search.body as { customers: Array<{ email: string }>; nextCursor: string | null };
    for (;;) {
      seen.push(...page.customers.map((c) => c.email));
      if (!page.nextCursor) break;
      const next = await call(
        usersRoute as Handler,
        admin,
        `/api/billing/admin/users?search=${tag}&sort=email&dir=asc&limit=2&cursor=${page.nextCursor}`,
      );
      page = next.body as typeof page;
    }
    expect(seen).toEqual(made.map((u) => u.email));

    // Search matches the start of the email (an indexed prefix), not the middle.
    expect((await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${tag.slice(4)}`)).body.customers).toEqual([]);
    const active = await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${tag}&status=active`);
    expect(active.body.customers).toEqual([
      expect.objectContaining({
        email: made[2].email,
        planId: "scale",
        status: "active",
        mrr: 8_250,
        currency: "usd",
        mainMeter: "api_calls",
        mainMeterUsage: 0,
      }),
    ]);
    const byMrr = await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${tag}&sort=mrr&dir=desc&limit=1`);
    expect((byMrr.body.customers as Array<{ email: string }>)[0].email).toBe(made[2].email);

    for (const bad of ["sort=plan", "status=gold", "limit=0", "limit=101", "cursor=nope"]) {
      const res = await call(usersRoute as Handler, admin, `/api/billing/admin/users?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error).toBe("bad_request");
    }
  });

  it("grants and revokes the Staff plan for one customer only, audited with who did it", async () => {
    const target = await env.createUser();
    const bystander = await env.createUser();
    const grant = await call(staffRoute, admin, `/api/billing/admin/users/${target.id}/staff`, {
      method: "POST",
      body: { grant: true },
      id: target.id,
    });
    expect(grant).toMatchObject({ status: 200, body: { granted: true, changed: true } });
    expect((await getBillingSummary(target.id)).plan.id).toBe("staff");
    expect((await getBillingSummary(bystander.id)).plan.id).toBe("free");
    const again = await call(staffRoute, admin, `/api/billing/admin/users/${target.id}/staff`, {
      method: "POST",
      body: { grant: true },
      id: target.id,
    });
    expect(again.body).toMatchObject({ changed: false });

    const revoke = await call(staffRoute, admin, `/api/billing/admin/users/${target.id}/staff`, {
      method: "POST",
      body: { grant: false },
      id: target.id,
    });
    expect(revoke.body).toMatchObject({ granted: false, changed: true });
    expect((await getBillingSummary(target.id)).plan.id).toBe("free");

    const audit = await env.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetType, "account"), eq(auditLog.targetId, target.id)));
    expect(audit.map((a) => [a.action, a.actorUserId])).toEqual([
      ["staff.granted", admin.id],
      ["staff.revoked", admin.id],
    ]);
    expect(await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, bystander.id))).toEqual([]);

    expect((await call(staffRoute, admin, "/x", { method: "POST", body: { grant: "yes" }, id: target.id })).status).toBe(400);
    expect(
      (await call(staffRoute, admin, "/x", { method: "POST", body: { grant: true }, id: "00000000-0000-4000-8000-000000000000" })).status,
    ).toBe(404);
    expect((await call(staffRoute, admin, "/x", { method: "POST", body: { grant: true }, id: "not-a-uuid" })).status).toBe(404);
  });

  it("per-customer limit overrides replace the plan's limit in the entitlements of that customer only", async () => {
    const target = await env.createUser();
    const bystander = await env.createUser();
    const set = (body: unknown) =>
      call(limitsRoute, admin, `/api/billing/admin/users/${target.id}/limits`, { method: "POST", body, id: target.id });

    expect(await set({ meter: "api_calls", limit: 250_000 })).toMatchObject({
      status: 200,
      body: { limits: { api_calls: 250_000, tokens: 50_000 }, overriddenMeters: ["api_calls"] },
    });
    expect((await getEntitlement(env.database.db, target.id)).limits.api_calls).toBe(250_000);
    expect((await getBillingSummary(target.id)).entitlements.limits.api_calls).toBe(250_000);
    expect((await getEntitlement(env.database.db, bystander.id)).limits.api_calls).toBe(1_000);

    await set({ meter: "tokens", limit: "unlimited" });
    expect((await getEntitlement(env.database.db, target.id)).limits.tokens).toBeNull();
    await set({ meter: "api_calls", limit: null });
    expect((await getEntitlement(env.database.db, target.id)).limits).toMatchObject({ api_calls: 1_000, tokens: null });

    // Metering reads the same effective limits, at once: an override of 2 allows exactly 2 calls.
    await set({ meter: "api_calls", limit: 2 });
    const allowed: boolean[] = [];
    for (const key of ["override-1", "override-2", "override-3"])
      allowed.push((await consume(target.id, "api_calls", 1, { idempotencyKey: key })).allowed);
    expect(allowed).toEqual([true, true, false]);
    expect((await consume(bystander.id, "api_calls", 3, { idempotencyKey: "bystander" })).allowed).toBe(true);
    await set({ meter: "api_calls", limit: null });

    for (const bad of [
      { meter: "bananas", limit: 1 },
      { meter: "api_calls", limit: -1 },
      { meter: "api_calls", limit: 1.5 },
      { meter: "api_calls" },
    ]) {
      const res = await set(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    const overrides = await env.database.db.select().from(customerLimitOverrides).where(eq(customerLimitOverrides.accountId, target.id));
    expect(overrides).toEqual([expect.objectContaining({ meter: "tokens", limit: null, updatedBy: admin.id })]);
    const actions = (await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, target.id))).map((a) => a.action);
    expect(actions).toEqual([
      "limit_override.set",
      "limit_override.set",
      "limit_override.removed",
      "limit_override.set",
      "limit_override.removed",
    ]);

    const detail = await call(customerRoute, admin, `/api/billing/admin/users/${target.id}`, { id: target.id });
    expect(detail.body.usage).toEqual([
      expect.objectContaining({ meter: "api_calls", limit: 1_000, overridden: false, used: 2 }),
      expect.objectContaining({ meter: "tokens", limit: null, planLimit: 50_000, overridden: true }),
      expect.objectContaining({ meter: "jobs", limit: 5, overridden: false, used: 0 }),
    ]);
    expect(detail.body.audit).toHaveLength(5);
  });

  it("search and sort by email read the person's current address (kept on the account when it changes)", async () => {
    const tag = `moved${kind}${Date.now()}`;
    const user = await env.createUser(`${tag}-old@example.com`);
    await env.database.db
      .update(users)
      .set({ email: `${tag}-new@example.com` })
      .where(eq(users.id, user.id));
    expect((await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${tag}-old`)).body.customers).toEqual([]);
    const found = await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${tag}-new&sort=email&dir=asc`);
    expect(found.body.customers).toEqual([expect.objectContaining({ id: user.id, kind: "personal", email: `${tag}-new@example.com` })]);
    // A person is found by their name too.
    await env.database.db
      .update(users)
      .set({ name: `Zed ${tag}` })
      .where(eq(users.id, user.id));
    const byName = await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${encodeURIComponent(`zed ${tag}`)}`);
    expect(byName.body.customers).toEqual([expect.objectContaining({ id: user.id, name: `Zed ${tag}`, email: `${tag}-new@example.com` })]);
  });

  /** An organization account with an owner, an admin and a member (as the orgs API makes them). */
  async function createOrganization(name: string) {
    const [owner, admin2, member] = [await env.createUser(), await env.createUser(), await env.createUser()];
    const [org] = await env.database.db.insert(accounts).values({ kind: "organization", name }).returning();
    await env.database.db.insert(memberships).values([
      { accountId: org.id, userId: owner.id, role: "owner" },
      { accountId: org.id, userId: admin2.id, role: "admin" },
      { accountId: org.id, userId: member.id, role: "member" },
    ]);
    return { org, owner, admin: admin2, member };
  }

  it("an organization is one customer: listed with its kind, name, owner's email and members, found by name, its detail lists members", async () => {
    const name = `Acme ${kind} ${Date.now()}`;
    const { org, owner, admin: orgAdmin, member } = await createOrganization(name);
    await env.database.db.insert(subscriptions).values({
      accountId: org.id,
      providerSubscriptionId: `sub_org_${kind}_${Date.now()}`,
      status: "active",
      planId: "pro",
      interval: "month",
      unitAmount: 1_900,
      quantity: 3,
      pendingQuantity: 2,
      currency: "usd",
    });

    // Found by the start of its name, whatever the case; its email is its first owner's until it has a Stripe customer.
    const found = await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${encodeURIComponent(name.toLowerCase())}`);
    expect(found.status).toBe(200);
    expect(found.body.customers).toEqual([
      expect.objectContaining({
        id: org.id,
        kind: "organization",
        name,
        email: owner.email,
        members: 3,
        planId: "pro",
        status: "active",
        mrr: 5_700,
      }),
    ]);
    // Each member is still a personal customer of their own, free, with one member.
    const personal = await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${encodeURIComponent(member.email)}`);
    expect(personal.body.customers).toEqual([
      expect.objectContaining({ id: member.id, kind: "personal", email: member.email, members: 1, planId: "free", mrr: 0 }),
    ]);
    // Sorting by email orders organizations by name among people's addresses.
    const sorted = await call(
      usersRoute as Handler,
      admin,
      `/api/billing/admin/users?search=${encodeURIComponent(name)}&sort=email&dir=asc`,
    );
    expect((sorted.body.customers as Array<{ id: string }>).map((c) => c.id)).toEqual([org.id]);

    const detail = await call(customerRoute, admin, `/api/billing/admin/users/${org.id}`, { id: org.id });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: org.id, kind: "organization", name, email: owner.email, role: "organization" });
    expect(detail.body.members).toEqual([
      { userId: owner.id, email: owner.email, name: owner.name, role: "owner" },
      { userId: orgAdmin.id, email: orgAdmin.email, name: orgAdmin.name, role: "admin" },
      { userId: member.id, email: member.email, name: member.name, role: "member" },
    ]);
    // Seats as Stripe bills them: the quantity now and the lower one from the next period.
    expect(detail.body.subscriptions).toEqual([expect.objectContaining({ planId: "pro", quantity: 3, pendingQuantity: 2 })]);
    // Pro is not priced per seat: no seats summary.
    expect(detail.body.seats).toBeNull();
    const memberDetail = await call(customerRoute, admin, `/api/billing/admin/users/${member.id}`, { id: member.id });
    expect(memberDetail.body).toMatchObject({
      kind: "personal",
      email: member.email,
      members: [{ userId: member.id, role: "owner" }],
      subscriptions: [],
    });
  });

  it("Staff grant, limit overrides and sync act on an organization account, not on its members' own accounts", async () => {
    const { org, owner, member } = await createOrganization(`Staffed ${kind} ${Date.now()}`);
    const grant = await call(staffRoute, admin, `/api/billing/admin/users/${org.id}/staff`, {
      method: "POST",
      body: { grant: true },
      id: org.id,
    });
    expect(grant).toMatchObject({ status: 200, body: { granted: true, changed: true } });
    expect((await getBillingSummary(org.id)).plan.id).toBe("staff");
    for (const person of [owner, member]) expect((await getBillingSummary(person.id)).plan.id).toBe("free");

    const set = await call(limitsRoute, admin, `/api/billing/admin/users/${org.id}/limits`, {
      method: "POST",
      body: { meter: "jobs", limit: 7 },
      id: org.id,
    });
    expect(set).toMatchObject({ status: 200, body: { overriddenMeters: ["jobs"], limits: { jobs: 7 } } });
    expect((await getEntitlement(env.database.db, org.id)).limits.jobs).toBe(7);
    expect((await getEntitlement(env.database.db, member.id)).limits.jobs).toBe(5);
    // The organization's quota is what its members consume against.
    const runs: boolean[] = [];
    for (let i = 0; i < 8; i += 1) runs.push((await consume(org.id, "jobs", 1, { idempotencyKey: `org-job-${i}` })).allowed);
    expect(runs.filter(Boolean)).toHaveLength(7);

    const detail = await call(customerRoute, admin, `/api/billing/admin/users/${org.id}`, { id: org.id });
    expect(detail.body).toMatchObject({ kind: "organization", hasStaffGrant: true, summary: { plan: { id: "staff" } } });
    expect(detail.body.usage).toEqual(
      expect.arrayContaining([expect.objectContaining({ meter: "jobs", limit: 7, overridden: true, used: 7 })]),
    );
    expect((detail.body.audit as Array<{ action: string }>).map((a) => a.action).sort()).toEqual(["limit_override.set", "staff.granted"]);
    for (const person of [owner, member]) {
      expect(await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, person.id))).toEqual([]);
    }

    // Sync: nothing to sync before the organization has a Stripe customer; afterwards its subscription appears.
    expect((await call(syncRoute, admin, "/x", { method: "POST", id: org.id })).status).toBe(409);
    const customer = await ensureBillingCustomer({ id: org.id, email: owner.email, name: org.name });
    const [price] = (await env.stripe.prices.list({ lookup_keys: ["pro_monthly"] })).data;
    await env.emulatorControl("/_emulator/config", { deliveryPaused: true });
    try {
      const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.providerCustomerId });
      await env.stripe.subscriptions.create({
        customer: customer.providerCustomerId,
        items: [{ price: price.id, quantity: 2 }],
        default_payment_method: pm.id,
        trial_period_days: 0,
      });
      const sync = await call(syncRoute, admin, `/api/billing/admin/users/${org.id}/sync`, { method: "POST", id: org.id });
      expect(sync).toMatchObject({ status: 200, body: { subscriptions: 1 } });
      const stored = await env.database.db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.accountId, org.id), eq(subscriptions.provider, "stripe")));
      expect(stored).toEqual([expect.objectContaining({ planId: "pro", status: "active", quantity: 2 })]);
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, owner.id))).toEqual([]);
      const listed = await call(usersRoute as Handler, admin, `/api/billing/admin/users?search=${encodeURIComponent(org.name)}`);
      expect(listed.body.customers).toEqual([
        expect.objectContaining({ id: org.id, kind: "organization", email: owner.email, mrr: 3_800 }),
      ]);
    } finally {
      await env.emulatorControl("/_emulator/config", { deliveryPaused: false });
      await env.flush();
    }
  });

  it("replays a failed webhook event once, audited; other events cannot be replayed", async () => {
    const id = `evt_admin_replay_${kind}`;
    await env.database.db.insert(webhookEvents).values({
      id,
      type: "admin.test_unknown",
      providerCreatedAt: new Date(),
      payload: { id, type: "admin.test_unknown", data: { object: { id: "obj_1" } } },
      status: "failed",
      attempts: 3,
      lastError: "earlier outage",
    });
    const listed = await call(webhooksRoute as Handler, admin, "/api/billing/admin/webhooks?status=failed");
    expect(listed.body.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, status: "failed", attempts: 3, lastError: "earlier outage" })]),
    );
    const shown = await call(webhookRoute, admin, `/api/billing/admin/webhooks/${id}`, { id });
    expect(shown.body.payload).toMatchObject({ id, type: "admin.test_unknown" });

    const replay = await call(replayRoute, admin, `/api/billing/admin/webhooks/${id}/replay`, { method: "POST", id });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ result: { status: "ignored" }, event: { id, status: "ignored", attempts: 4 } });
    const again = await call(replayRoute, admin, `/api/billing/admin/webhooks/${id}/replay`, { method: "POST", id });
    expect(again).toMatchObject({ status: 409, body: { error: "conflict" } });
    expect((await call(replayRoute, admin, "/x", { method: "POST", id: "evt_missing" })).status).toBe(404);
    const audit = await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, id));
    expect(audit.map((a) => [a.action, a.actorUserId])).toEqual([["webhook.replayed", admin.id]]);
    expect((await call(webhooksRoute as Handler, admin, "/api/billing/admin/webhooks?status=lost")).status).toBe(400);
  });

  it("syncs a customer from Stripe now: a subscription no webhook delivered appears", async () => {
    const user = await env.createUser();
    expect((await call(syncRoute, admin, "/x", { method: "POST", id: user.id })).status).toBe(409);
    const customer = await ensureBillingCustomer(user);
    const prices = await env.stripe.prices.list({ lookup_keys: ["pro_monthly"] });
    await env.emulatorControl("/_emulator/config", { deliveryPaused: true });
    try {
      const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.providerCustomerId });
      await env.stripe.subscriptions.create({
        customer: customer.providerCustomerId,
        items: [{ price: prices.data[0].id }],
        default_payment_method: pm.id,
        trial_period_days: 0,
      });
      expect((await getBillingSummary(user.id)).plan.id).toBe("free");
      const sync = await call(syncRoute, admin, `/api/billing/admin/users/${user.id}/sync`, { method: "POST", id: user.id });
      expect(sync).toMatchObject({ status: 200, body: { subscriptions: 1 } });
      expect((sync.body as { invoices: number }).invoices).toBeGreaterThanOrEqual(1);
      expect((await getBillingSummary(user.id)).plan.id).toBe("pro");
      const [audit] = await env.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "customer.synced")));
      expect(audit.actorUserId).toBe(admin.id);
    } finally {
      await env.emulatorControl("/_emulator/config", { deliveryPaused: false });
      await env.flush();
    }
  });

  it("lists invoices filtered by status and date with totals, and rejects bad filters", async () => {
    const user = await env.createUser();
    const base = { accountId: user.id, currency: "usd", providerCreatedAt: new Date("2026-06-10T10:00:00Z") };
    await env.database.db.insert(invoices).values([
      { ...base, providerInvoiceId: `in_a_${kind}`, status: "paid", total: 1_900, amountPaid: 1_900 },
      { ...base, providerInvoiceId: `in_b_${kind}`, status: "open", total: 9_900, amountDue: 9_900, amountRemaining: 9_900 },
      {
        ...base,
        providerInvoiceId: `in_c_${kind}`,
        status: "paid",
        total: 500,
        amountPaid: 500,
        providerCreatedAt: new Date("2026-07-01T00:00:00Z"),
      },
    ]);
    const june = await call(
      invoicesRoute as Handler,
      admin,
      `/api/billing/admin/invoices?accountId=${user.id}&from=2026-06-01&to=2026-06-30`,
    );
    expect((june.body.invoices as unknown[]).length).toBe(2);
    expect(june.body.totals).toEqual([{ currency: "usd", count: 2, total: 11_800, paid: 1_900, due: 9_900 }]);
    const paid = await call(invoicesRoute as Handler, admin, `/api/billing/admin/invoices?accountId=${user.id}&status=paid&limit=1`);
    expect(paid.body.invoices).toEqual([expect.objectContaining({ id: `in_c_${kind}`, email: user.email })]);
    const next = await call(
      invoicesRoute as Handler,
      admin,
      `/api/billing/admin/invoices?accountId=${user.id}&status=paid&limit=1&cursor=${paid.body.nextCursor}`,
    );
    expect(next.body.invoices).toEqual([expect.objectContaining({ id: `in_a_${kind}` })]);
    for (const bad of ["status=late", "from=2026-13-01", "from=2026-07-01&to=2026-06-01"]) {
      expect((await call(invoicesRoute as Handler, admin, `/api/billing/admin/invoices?${bad}`)).status, bad).toBe(400);
    }
  });

  it("serves metrics in minor units with their currency", async () => {
    const res = await call(metricsRoute as Handler, admin, "/api/billing/admin/metrics");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(
      expect.arrayContaining([
        "currency",
        "mrr",
        "arr",
        "arpu",
        "ltv",
        "activeSubscriptions",
        "trialingSubscriptions",
        "pastDueSubscriptions",
        "cancelingSubscriptions",
        "churnRate30d",
        "trialConversion",
        "failedPayments30d",
        "revenueByMonth",
        "planDistribution",
      ]),
    );
    expect(res.body).toMatchObject({ currency: "usd", mrr: expect.any(Number) });
    expect(res.body.revenueByMonth).toHaveLength(12);
  });
});
