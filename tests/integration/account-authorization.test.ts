import { readdirSync } from "node:fs";
import path from "node:path";
import { and, eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectRows } from "@/db/client";
import { accounts, apiKeys, auditLog, memberships, subscriptions, users, type User } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { startCheckout } from "@/lib/billing/checkout";
import { ensureBillingCustomer } from "@/lib/billing/customers";
import { ADMIN_GRANT_PROVIDER, STAFF_PLAN_ID, staffGrantId } from "@/lib/billing/admin/staff-grant";
import { cancelSubscription, resumeSubscription } from "@/lib/billing/plan-change";
import { notEndedStripeSubscription } from "@/lib/billing/summary";
import { methodNotAllowed } from "@/lib/http/method-not-allowed";
import type { RouteHandler } from "@/lib/http/route";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { DATABASE_KINDS } from "../helpers/db";
import { requestAs } from "../helpers/session";

/**
 * The authorization matrix of accounts: every billing and organization route, asked about one
 * organization by its owner, an admin, a member, a member of another organization, a signed-out
 * caller, an API key of another account, and the organization's own API key. The expected status
 * of every caller follows from one rule per route (RULES below); a refused call changes nothing.
 * A route file added under app/api/billing or app/api/orgs without a row here fails the first test.
 */

/** Route files this matrix does not cover: the admin console (its own matrix) and Stripe's webhook. */
const NOT_ACCOUNT_ROUTES = [/^app\/api\/billing\/admin\//, /^app\/api\/billing\/webhook\//];
const ROUTE_DIRS = ["app/api/billing", "app/api/orgs"];
const HANDLER_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof HANDLER_METHODS)[number];

type Caller = "owner" | "admin" | "member" | "outsider" | "anonymous" | "otherKey" | "ownKey";
/** In this order: refused callers first, so a successful (destructive) call cannot hide a refusal. */
const CALLERS: Caller[] = ["anonymous", "otherKey", "ownKey", "outsider", "member", "admin", "owner"];

/**
 * Who a route lets act on an organization:
 * - `use`: every member (plan, usage, quota); API keys of the organization too on user-or-key routes;
 * - `manage`: owners and admins (billing, API keys, members, invitations); members get 403;
 * - `owner`: owners only (deleting the organization); admins and members get 403;
 * - `signed-in`: not about one organization (create one, list mine, accept an invitation): any
 *   signed-in user;
 * - `public`: anyone (the catalog).
 * A member of another organization gets 404 for every organization route (never 403, never 200),
 * whether the organization exists being none of its business.
 */
type Rule = "use" | "manage" | "owner" | "signed-in" | "public";

interface Org {
  id: string;
  name: string;
  owner: User;
  admin: User;
  member: User;
}

interface Call {
  url: string;
  body?: unknown;
  params?: Record<string, string>;
  /** Other accounts the request is about, whose rows a refusal must leave unchanged too. */
  alsoUnchanged?: string[];
}

interface Row {
  method: Method;
  file: string;
  access: "public" | "user" | "user-or-key";
  rule: Rule;
  /** The status of a caller the rule allows (the domain's answer to this request). */
  allowed: number;
  /** A domain answer that differs for one caller the rule allows (e.g. the last owner cannot leave). */
  except?: Partial<Record<Caller, number>>;
  /** Arranges anything the row needs on a fresh organization, once, before any call. */
  setup?: (org: Org) => Promise<void>;
  /** The request, built per caller (it may arrange a target of its own, e.g. a key to revoke). */
  request: (org: Org, caller: Caller) => Promise<Call> | Call;
}

const q = (org: Org) => `accountId=${org.id}`;

describe.each(DATABASE_KINDS)("account authorization matrix on %s", (kind) => {
  let env: BillingEnv;
  let outsider: User;
  /** An organization the outsider owns, whose API key is "an API key of another account". */
  let otherOrg: string;
  let otherKey: string;
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${kind}-${Date.now().toString(36)}-${(counter += 1)}`;

  /** A signed-up user with a verified address (accepting an invitation takes one). */
  async function createUser(): Promise<User> {
    const [user] = await env.database.db
      .insert(users)
      .values({ email: `${unique("user")}@example.com`, name: "Matrix User", emailVerifiedAt: new Date() })
      .returning();
    return user;
  }
  const createTeam = async () => createOrg(await createUser(), await createUser(), await createUser());

  beforeAll(async () => {
    process.env.NEXTAUTH_SECRET = "account-authorization-test-secret";
    env = await startBillingEnv(kind);
    outsider = await createUser();
    otherOrg = await createOrg(outsider, await createUser(), await createUser(), "Other Org").then((o) => o.id);
    otherKey = (await createApiKey(otherOrg, outsider.id, { name: "other org's key" })).key;
  });
  afterAll(async () => env.stop());

  /** An organization with an owner, an admin and a member, as the organizations API makes it. */
  async function createOrg(owner: User, admin: User, member: User, name = unique("Org")): Promise<Org> {
    const [org] = await env.database.db.insert(accounts).values({ kind: "organization", name }).returning();
    await env.database.db.insert(memberships).values([
      { accountId: org.id, userId: owner.id, role: "owner" },
      { accountId: org.id, userId: admin.id, role: "admin" },
      { accountId: org.id, userId: member.id, role: "member" },
    ]);
    // The Staff plan (granted by an admin): every feature, so API keys can be made for it.
    await env.database.db.insert(subscriptions).values({
      accountId: org.id,
      provider: ADMIN_GRANT_PROVIDER,
      providerSubscriptionId: staffGrantId(org.id),
      status: "active",
      planId: STAFF_PLAN_ID,
    });
    return { id: org.id, name, owner, admin, member };
  }

  /** A live (active, paid) Stripe subscription of the organization, delivered by webhook. */
  async function subscribe(org: Org): Promise<void> {
    const customer = await ensureBillingCustomer({ id: org.id, email: org.owner.email, name: org.name });
    const [price] = (await env.stripe.prices.list({ lookup_keys: ["pro_monthly"] })).data;
    const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.providerCustomerId });
    await env.stripe.subscriptions.create({
      customer: customer.providerCustomerId,
      items: [{ price: price.id }],
      default_payment_method: pm.id,
      trial_period_days: 0,
    });
    await env.flush();
    expect(await liveSubscription(org)).toMatchObject({ planId: "pro", status: "active" });
  }

  const liveSubscription = async (org: Org) => notEndedStripeSubscription(env.database.db, org.id);

  /** The promotion code made for an organization by the discount row's setup. */
  const promotionCodes = new Map<string, string>();

  const sessions = new Map<string, string>();
  /** An open Checkout session of the organization (started by its owner). */
  async function checkoutSession(org: Org): Promise<string> {
    if (!sessions.has(org.id)) {
      const { url } = await startCheckout({ id: org.id, email: org.owner.email, name: org.name }, "pro", "month", "http://app.test");
      sessions.set(org.id, /cs_[A-Za-z0-9_]+/.exec(url)![0]);
    }
    return sessions.get(org.id)!;
  }

  const BILLING_ROWS: Row[] = [
    // Billing: reading the plan and usage is for every member; billing itself for owners and admins.
    {
      method: "GET",
      file: "app/api/billing/plans/route.ts",
      access: "public",
      rule: "public",
      allowed: 200,
      request: () => ({ url: "/api/billing/plans" }),
    },
    {
      method: "GET",
      file: "app/api/billing/subscription/route.ts",
      access: "user",
      rule: "use",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/subscription?${q(org)}` }),
    },
    {
      method: "GET",
      file: "app/api/billing/entitlements/route.ts",
      access: "user-or-key",
      rule: "use",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/entitlements?${q(org)}` }),
    },
    {
      method: "GET",
      file: "app/api/billing/levels/route.ts",
      access: "user-or-key",
      rule: "use",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/levels?${q(org)}` }),
    },
    {
      method: "POST",
      file: "app/api/billing/levels/route.ts",
      access: "user-or-key",
      rule: "use",
      allowed: 200,
      request: (org) => ({ url: "/api/billing/levels", body: { gauge: "storage", delta: 1, accountId: org.id } }),
    },
    {
      method: "GET",
      file: "app/api/billing/usage-alerts/route.ts",
      access: "user",
      rule: "signed-in",
      allowed: 200,
      request: () => ({ url: "/api/billing/usage-alerts" }),
    },
    {
      method: "POST",
      file: "app/api/billing/usage-alerts/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({
        url: "/api/billing/usage-alerts",
        body: { accountId: org.id, meter: "jobs", resetsAt: new Date().toISOString() },
      }),
    },
    {
      method: "GET",
      file: "app/api/billing/quota/route.ts",
      access: "user-or-key",
      rule: "use",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/quota?${q(org)}` }),
    },
    {
      method: "GET",
      file: "app/api/billing/usage/route.ts",
      access: "user-or-key",
      rule: "use",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/usage?meter=jobs&${q(org)}` }),
    },
    {
      method: "POST",
      file: "app/api/billing/usage/route.ts",
      access: "user-or-key",
      rule: "use",
      allowed: 200,
      request: (org) => ({
        url: "/api/billing/usage",
        body: { meter: "api_calls", quantity: 1, idempotencyKey: unique("use"), accountId: org.id },
      }),
    },
    {
      method: "GET",
      file: "app/api/billing/invoices/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/invoices?${q(org)}` }),
    },
    {
      method: "POST",
      file: "app/api/billing/checkout/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({ url: "/api/billing/checkout", body: { plan: "pro", interval: "month", accountId: org.id } }),
    },
    {
      method: "GET",
      file: "app/api/billing/checkout/status/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: async (org) => ({ url: `/api/billing/checkout/status?session_id=${await checkoutSession(org)}&${q(org)}` }),
    },
    {
      method: "POST",
      file: "app/api/billing/trial/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      // The admin (asked first) starts the organization's one trial; the owner, next, finds the subscription it made.
      except: { owner: 409 },
      request: (org) => ({ url: "/api/billing/trial", body: { plan: "pro", accountId: org.id } }),
    },
    // Company name, billing address and tax ID: on the organization's Stripe customer (made by the first allowed call).
    {
      method: "GET",
      file: "app/api/billing/details/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/details?${q(org)}` }),
    },
    {
      method: "POST",
      file: "app/api/billing/details/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({
        url: "/api/billing/details",
        body: { name: org.name, address: { line1: "1 Queen St", city: "Auckland", country: "NZ" }, accountId: org.id },
      }),
    },
    {
      method: "POST",
      file: "app/api/billing/card/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      setup: subscribe,
      request: (org) => ({ url: "/api/billing/card", body: { accountId: org.id } }),
    },
    {
      method: "POST",
      file: "app/api/billing/portal/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      setup: async (org) => void (await ensureBillingCustomer({ id: org.id, email: org.owner.email, name: org.name })),
      request: (org) => ({ url: "/api/billing/portal", body: { accountId: org.id } }),
    },
    {
      method: "POST",
      file: "app/api/billing/subscription/change/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      setup: subscribe,
      request: (org) => ({
        url: "/api/billing/subscription/change",
        body: { plan: "scale", interval: "month", preview: true, accountId: org.id },
      }),
    },
    {
      method: "POST",
      file: "app/api/billing/subscription/cancel/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      setup: subscribe,
      request: async (org) => {
        // Each caller is asked to cancel a subscription that is not yet set to cancel.
        if ((await liveSubscription(org))?.cancelAtPeriodEnd) await resumeSubscription(org.id);
        return { url: "/api/billing/subscription/cancel", body: { accountId: org.id } };
      },
    },
    {
      method: "POST",
      file: "app/api/billing/subscription/resume/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      setup: subscribe,
      request: async (org) => {
        // … and to resume one that is.
        if (!(await liveSubscription(org))?.cancelAtPeriodEnd) await cancelSubscription(org.id);
        return { url: "/api/billing/subscription/resume", body: { accountId: org.id } };
      },
    },
    {
      method: "POST",
      file: "app/api/billing/subscription/discount/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      setup: async (org) => {
        await subscribe(org);
        const coupon = await env.stripe.coupons.create({ percent_off: 10, duration: "forever" });
        const code = await env.stripe.promotionCodes.create({
          promotion: { type: "coupon", coupon: coupon.id },
          code: unique("MATRIX").toUpperCase(),
        });
        promotionCodes.set(org.id, code.code);
      },
      // The first allowed caller applies it; the next one finds it applied (200, nothing redeemed twice).
      request: (org) => ({
        url: "/api/billing/subscription/discount",
        body: { promotionCode: promotionCodes.get(org.id), accountId: org.id },
      }),
    },
    // Prepaid credits: buying a pack and the auto top-up settings are billing, for owners and admins.
    {
      method: "POST",
      file: "app/api/billing/credits/checkout/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({ url: "/api/billing/credits/checkout", body: { pack: "jobs_100", accountId: org.id } }),
    },
    {
      method: "POST",
      file: "app/api/billing/credits/auto-top-up/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({
        url: "/api/billing/credits/auto-top-up",
        body: { enabled: true, threshold: 10, pack: "jobs_100", accountId: org.id },
      }),
    },
    // The spend cap on billed overage: billing, for owners and admins.
    {
      method: "GET",
      file: "app/api/billing/spend-cap/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/spend-cap?${q(org)}` }),
    },
    {
      method: "POST",
      file: "app/api/billing/spend-cap/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({ url: "/api/billing/spend-cap", body: { capCents: 5_000, accountId: org.id } }),
    },
    {
      method: "GET",
      file: "app/api/billing/api-keys/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({ url: `/api/billing/api-keys?${q(org)}` }),
    },
    {
      method: "POST",
      file: "app/api/billing/api-keys/route.ts",
      access: "user",
      rule: "manage",
      allowed: 201,
      request: (org) => ({ url: "/api/billing/api-keys", body: { name: unique("key"), accountId: org.id } }),
    },
    {
      method: "DELETE",
      file: "app/api/billing/api-keys/[id]/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: async (org) => {
        const key = await createApiKey(org.id, org.owner.id, { name: unique("revocable") });
        return { url: `/api/billing/api-keys/${key.id}`, body: { accountId: org.id }, params: { id: key.id } };
      },
    },
  ];

  // Organizations: the same roles, on the organization in the path.
  const ORG_ROWS: Row[] = [
    {
      method: "POST",
      file: "app/api/orgs/route.ts",
      access: "user",
      rule: "signed-in",
      allowed: 201,
      request: () => ({ url: "/api/orgs", body: { name: unique("New Org") } }),
    },
    {
      method: "GET",
      file: "app/api/orgs/route.ts",
      access: "user",
      rule: "signed-in",
      allowed: 200,
      request: () => ({ url: "/api/orgs" }),
    },
    {
      method: "PATCH",
      file: "app/api/orgs/[id]/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: (org) => ({ url: `/api/orgs/${org.id}`, body: { name: unique("Renamed") }, params: { id: org.id } }),
    },
    {
      method: "DELETE",
      file: "app/api/orgs/[id]/route.ts",
      access: "user",
      rule: "owner",
      allowed: 200,
      request: (org) => ({ url: `/api/orgs/${org.id}`, params: { id: org.id } }),
    },
    {
      method: "GET",
      file: "app/api/orgs/[id]/members/route.ts",
      access: "user",
      rule: "use",
      allowed: 200,
      request: (org) => ({ url: `/api/orgs/${org.id}/members`, params: { id: org.id } }),
    },
    {
      method: "PATCH",
      file: "app/api/orgs/[id]/members/[userId]/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: async (org) => {
        const target = await addMember(org);
        return { url: `/api/orgs/${org.id}/members/${target.id}`, body: { role: "admin" }, params: { id: org.id, userId: target.id } };
      },
    },
    {
      method: "DELETE",
      file: "app/api/orgs/[id]/members/[userId]/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: async (org) => {
        const target = await addMember(org);
        return { url: `/api/orgs/${org.id}/members/${target.id}`, params: { id: org.id, userId: target.id } };
      },
    },
    {
      // Leaving (the caller's own id): any member may, except the last owner.
      method: "DELETE",
      file: "app/api/orgs/[id]/members/[userId]/route.ts",
      access: "user",
      rule: "use",
      allowed: 200,
      except: { owner: 409 },
      request: (org, caller) => {
        const self = userFor(org, caller)?.id ?? org.member.id;
        return { url: `/api/orgs/${org.id}/members/${self}`, params: { id: org.id, userId: self } };
      },
    },
    {
      method: "POST",
      file: "app/api/orgs/[id]/invitations/route.ts",
      access: "user",
      rule: "manage",
      allowed: 201,
      request: (org) => ({
        url: `/api/orgs/${org.id}/invitations`,
        body: { email: `${unique("invitee")}@example.com`, role: "member" },
        params: { id: org.id },
      }),
    },
    {
      method: "DELETE",
      file: "app/api/orgs/[id]/invitations/[invitationId]/route.ts",
      access: "user",
      rule: "manage",
      allowed: 200,
      request: async (org) => {
        const invitation = await invite(org, `${unique("revoked")}@example.com`);
        return { url: `/api/orgs/${org.id}/invitations/${invitation.id}`, params: { id: org.id, invitationId: invitation.id } };
      },
    },
    {
      // An invitation to another organization, for the caller's own address: anyone signed in may accept theirs.
      method: "POST",
      file: "app/api/orgs/invitations/accept/route.ts",
      access: "user",
      rule: "signed-in",
      allowed: 200,
      request: async (org, caller) => {
        const host = await createTeam();
        const email = userFor(org, caller)?.email ?? `${unique("nobody")}@example.com`;
        const invitation = await invite(host, email);
        const token = new URL(invitation.acceptUrl).searchParams.get("token");
        return { url: "/api/orgs/invitations/accept", body: { token }, alsoUnchanged: [host.id] };
      },
    },
  ];

  /**
   * Every row. The organization routes (app/api/orgs) are built beside this test by the
   * organizations work: their rows apply wherever those routes exist (and the first test fails for
   * any route file without a row).
   */
  const ROWS: Row[] = [...BILLING_ROWS, ...ORG_ROWS];

  const userFor = (org: Org, caller: Caller): User | undefined =>
    ({ owner: org.owner, admin: org.admin, member: org.member, outsider })[caller as "owner" | "admin" | "member" | "outsider"];

  /** An invitation to the organization, made by its owner through the invitations route. */
  async function invite(org: Org, email: string): Promise<{ id: string; acceptUrl: string }> {
    const handler = await handlerOf({ method: "POST", file: "app/api/orgs/[id]/invitations/route.ts" });
    const res = await send(handler, "POST", org, "owner", {
      url: `/api/orgs/${org.id}/invitations`,
      body: { email, role: "member" },
      params: { id: org.id },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; acceptUrl: string };
  }

  /** A further member of the organization (the target of a role change or a removal). */
  async function addMember(org: Org): Promise<User> {
    const user = await createUser();
    await env.database.db.insert(memberships).values({ accountId: org.id, userId: user.id, role: "member" });
    return user;
  }

  /** Every row of the organization's own data, and Stripe's objects: what a refused call must not change. */
  async function snapshot(org: Org, also: string[] = []): Promise<unknown> {
    const mine = await snapshotOf(org.id);
    return { mine, also: await Promise.all(also.map(snapshotOf)) };
  }

  async function snapshotOf(accountId: string) {
    const org = { id: accountId };
    const tables = await selectRows<{ table_name: string }>(
      env.database.db,
      sql`select table_name from information_schema.columns
          where table_schema = current_schema() and column_name = 'account_id' order by table_name`,
    );
    const rows: Record<string, unknown> = {
      account: await env.database.db.select().from(accounts).where(eq(accounts.id, org.id)),
      audit: await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, org.id)),
      // No account (an organization, say) was made either.
      accounts: (await selectRows<{ n: number }>(env.database.db, sql`select count(*)::int as n from accounts`))[0].n,
    };
    for (const { table_name } of tables) {
      rows[table_name] = await selectRows(
        env.database.db,
        sql`select * from ${sql.identifier(table_name)} where account_id = ${org.id} order by 1`,
      );
    }
    rows.stripeCheckoutSessions = (await env.stripe.checkout.sessions.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).length;
    rows.stripeCustomers = (await env.stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).length;
    return JSON.parse(JSON.stringify(rows)) as unknown;
  }

  /** What each caller must get from a row. */
  function expected(row: Row, caller: Caller): number {
    const status = ruleStatus(row, caller);
    return status === row.allowed ? (row.except?.[caller] ?? status) : status;
  }

  function ruleStatus(row: Row, caller: Caller): number {
    if (row.rule === "public") return row.allowed;
    if (caller === "anonymous") return 401;
    if (caller === "otherKey" || caller === "ownKey") {
      // Session-only routes never accept a key; a key acts only for its own account, only to use it.
      if (row.access !== "user-or-key") return 401;
      if (caller === "otherKey") return 404;
      return row.rule === "use" ? row.allowed : 403;
    }
    if (row.rule === "signed-in") return row.allowed;
    if (caller === "outsider") return 404;
    if (row.rule === "use") return row.allowed;
    if (caller === "owner") return row.allowed;
    if (caller === "admin") return row.rule === "owner" ? 403 : row.allowed;
    return 403; // a member, on manage and owner routes
  }

  async function handlerOf(row: Pick<Row, "method" | "file">): Promise<RouteHandler> {
    const mod = (await import(/* @vite-ignore */ `@/${row.file.replace(/\.ts$/, "")}`)) as Record<string, RouteHandler>;
    return mod[row.method];
  }

  it("has one row for every method of every billing and organization route (a new route fails here until it has one)", async () => {
    const files = ROUTE_DIRS.flatMap((dir) => routeFilesUnder(dir)).filter((file) => !NOT_ACCOUNT_ROUTES.some((re) => re.test(file)));
    expect(files).toContain("app/api/billing/checkout/route.ts");
    const served: string[] = [];
    for (const file of files) {
      const mod = (await import(/* @vite-ignore */ `@/${file.replace(/\.ts$/, "")}`)) as Record<string, unknown>;
      for (const method of HANDLER_METHODS) {
        if (method in mod && mod[method] !== methodNotAllowed) served.push(`${method} ${file}`);
      }
    }
    const covered = ROWS.map((row) => `${row.method} ${row.file}`);
    expect(
      served.filter((route) => !covered.includes(route)),
      "routes without a row in the account authorization matrix",
    ).toEqual([]);
    expect(
      covered.filter((route) => !served.includes(route)),
      "rows for routes that do not exist",
    ).toEqual([]);
    for (const row of ROWS) expect((await handlerOf(row)).spec.access, `${row.method} ${row.file}: declared access`).toBe(row.access);
  });

  async function send(handler: RouteHandler, method: Method, org: Org, caller: Caller, call: Call, ownKey?: string) {
    const userOf: Partial<Record<Caller, User>> = { owner: org.owner, admin: org.admin, member: org.member, outsider };
    const key = caller === "otherKey" ? otherKey : caller === "ownKey" ? ownKey : undefined;
    const request = await requestAs(userOf[caller]?.id ?? null, call.url, {
      method,
      body: call.body,
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    const response = await handler(request, { params: Promise.resolve(call.params ?? {}) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  // One test per row: a fresh organization, every caller, the expected status; a refused call changes nothing.
  for (const row of ROWS) {
    it(`${row.method} ${row.file.replace(/^app|\/route\.ts$/g, "")} (${row.rule})`, { timeout: 60_000 }, async () => {
      const handler = await handlerOf(row);
      const org = await createTeam();
      const ownKey = (await createApiKey(org.id, org.owner.id, { name: "own key" })).key;
      await row.setup?.(org);
      for (const caller of CALLERS) {
        const status = expected(row, caller);
        const refused = status === 401 || status === 403 || status === 404;
        const call = await row.request(org, caller);
        await env.flush(); // webhooks of whatever the request arranged
        const before = refused ? await snapshot(org, call.alsoUnchanged) : null;
        const res = await send(handler, row.method, org, caller, call, ownKey);
        expect(res.status, `${caller}: ${row.method} ${call.url} → ${JSON.stringify(res.body)}`).toBe(status);
        if (!refused) continue;
        expect(res.body, `${caller}: ${row.method} ${call.url}`).toMatchObject({
          error: status === 401 ? "unauthorized" : status === 403 ? "forbidden" : "not_found",
        });
        await env.flush(); // and of anything the refused call might have set off
        expect(await snapshot(org, call.alsoUnchanged), `${caller}: ${row.method} ${call.url} was refused but changed something`).toEqual(
          before,
        );
      }
    });
  }

  it("a member's refused API key and checkout leave no key and no Checkout session behind", async () => {
    const org = await createTeam();
    const create = ROWS.find((r) => r.method === "POST" && r.file === "app/api/billing/api-keys/route.ts")!;
    const handler = await handlerOf(create);
    expect(
      (await send(handler, "POST", org, "member", { url: "/api/billing/api-keys", body: { name: "sneaky", accountId: org.id } })).status,
    ).toBe(403);
    expect(
      await env.database.db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.accountId, org.id), isNull(apiKeys.revokedAt))),
    ).toEqual([]);
    // Nor did it land on the member's own account.
    expect(await env.database.db.select().from(apiKeys).where(eq(apiKeys.accountId, org.member.id))).toEqual([]);
    const checkout = await handlerOf(ROWS.find((r) => r.file === "app/api/billing/checkout/route.ts")!);
    const sessionsBefore = (await env.stripe.checkout.sessions.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).length;
    expect(
      (
        await send(checkout, "POST", org, "member", {
          url: "/api/billing/checkout",
          body: { plan: "pro", interval: "month", accountId: org.id },
        })
      ).status,
    ).toBe(403);
    expect((await env.stripe.checkout.sessions.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).length).toBe(sessionsBefore);
  });
});

function routeFilesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? routeFilesUnder(full) : entry.name === "route.ts" ? [full.split(path.sep).join("/")] : [];
  });
}
