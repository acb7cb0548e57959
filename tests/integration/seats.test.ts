/**
 * Per-seat billing end to end: an organization on the Team plan, its members inserted and removed
 * directly (as the org routes do) and `pushSeats` called after each change, concurrently; Stripe
 * (the emulator, read with the official SDK) must end with the item's quantity equal to the
 * members, or higher with the decrease pending as the schedule's next phase, never lower and never
 * billed twice; the decrease applies on the renewal (test clock).
 *
 * Arithmetic: Team is $12.00 per seat per month; from T0 (2027-01-15) the period is 31 days, so a
 * seat added on day 10 costs 21/31 of $12.00 for the rest of the period.
 */
import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as summaryRoute } from "@/app/api/billing/subscription/route";
import { POST as changeRoute } from "@/app/api/billing/subscription/change/route";
import { accounts, billingCustomers, memberships, subscriptions, type User } from "@/db/schema";
import { consume } from "@/lib/billing/metering";
import { assertSeatAvailable, pushSeats } from "@/lib/billing/seats";
import type { BillingSummary } from "@/lib/billing/summary";
import { isAppError } from "@/lib/errors";
import { httpStatus } from "@/lib/http/errors";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const DAY = 86_400;
/** 2027-01-15T00:00:00Z: a fixed start so period arithmetic is deterministic. */
const T0 = Date.UTC(2027, 0, 15) / 1000;
const PERIOD_END = T0 + 31 * DAY;
const DAY10 = T0 + 10 * DAY;
const SEAT = 1_200;
const prorated = (cents: number, from: number) => Math.round((cents * (PERIOD_END - from)) / (PERIOD_END - T0));

interface Org {
  id: string;
  owner: User;
  members: User[];
  clockId: string;
  customerId: string;
}

describe.each(DATABASE_KINDS)("per-seat plans: seats follow the members (%s)", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  async function addMember(orgId: string): Promise<User> {
    const user = await env.createUser();
    await env.database.db.insert(memberships).values({ accountId: orgId, userId: user.id, role: "member" });
    return user;
  }

  async function removeMember(orgId: string, userId: string): Promise<void> {
    await env.database.db.delete(memberships).where(and(eq(memberships.accountId, orgId), eq(memberships.userId, userId)));
  }

  /** An organization with `size` members (its owner first), its Stripe customer on a test clock frozen at T0. */
  async function organization(size: number): Promise<Org> {
    const owner = await env.createUser();
    const [account] = await env.database.db
      .insert(accounts)
      .values({ kind: "organization", name: `Acme ${owner.id.slice(0, 6)}` })
      .returning();
    await env.database.db.insert(memberships).values({ accountId: account.id, userId: owner.id, role: "owner" });
    const members: User[] = [];
    for (let i = 1; i < size; i += 1) members.push(await addMember(account.id));
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await env.stripe.customers.create({ email: owner.email, test_clock: clock.id, metadata: { accountId: account.id } });
    await env.database.db.insert(billingCustomers).values({ accountId: account.id, providerCustomerId: customer.id, email: owner.email });
    return { id: account.id, owner, members, clockId: clock.id, customerId: customer.id };
  }

  async function post(route: (r: never) => Promise<Response>, user: User, path: string, body: unknown) {
    const res = await route((await requestAs(user.id, path, { method: "POST", body })) as never);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function subscribe(org: Org, plan: string, interval: "month" | "year" = "month") {
    const res = await post(checkoutRoute, org.owner, "/api/billing/checkout", { plan, interval, accountId: org.id });
    expect(res.status).toBe(200);
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(res.body.url as string)?.[1];
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(
      200,
    );
    await env.flush();
  }

  async function summary(org: Org): Promise<BillingSummary> {
    const res = await summaryRoute((await requestAs(org.owner.id, `/api/billing/subscription?accountId=${org.id}`)) as never);
    expect(res.status).toBe(200);
    return (await res.json()) as BillingSummary;
  }

  async function row(org: Org) {
    const [found] = await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, org.id));
    return found;
  }

  /** Stripe's view: the plan item's quantity and the schedule's next-phase quantity (null without one). */
  async function stripeSeats(
    org: Org,
  ): Promise<{ subscription: Stripe.Subscription; quantity: number; next: number | null; nextLookupKey: string | null }> {
    const { providerSubscriptionId } = await row(org);
    const subscription = await env.stripe.subscriptions.retrieve(providerSubscriptionId, { expand: ["schedule"] });
    const item = subscription.items.data.find((i) => i.price.recurring?.usage_type !== "metered") as Stripe.SubscriptionItem;
    const schedule = subscription.schedule as Stripe.SubscriptionSchedule | null;
    const next = schedule?.phases.find((p) => p.start_date >= (schedule.current_phase?.end_date ?? Infinity));
    const nextPrice = next
      ? await env.stripe.prices.retrieve(String(typeof next.items[0].price === "string" ? next.items[0].price : next.items[0].price.id))
      : null;
    return {
      subscription,
      quantity: item.quantity ?? 1,
      next: next?.items[0].quantity ?? null,
      nextLookupKey: nextPrice?.lookup_key ?? null,
    };
  }

  const invoicesOf = async (org: Org) => (await env.stripe.invoices.list({ customer: org.customerId, limit: 100 })).data;
  const advance = async (org: Org, to: number) => {
    await env.stripe.testHelpers.testClocks.advance(org.clockId, { frozen_time: to });
    await env.flush();
  };
  const isProration = (line: Stripe.InvoiceLineItem) => line.parent?.subscription_item_details?.proration ?? false;

  it("checkout for Team bills the members as seats; the summary shows them; per-seat limits scale the quota", async () => {
    const org = await organization(3);
    await subscribe(org, "team");
    const { quantity, next } = await stripeSeats(org);
    expect([quantity, next]).toEqual([3, null]);
    const [first] = await invoicesOf(org);
    expect(first).toMatchObject({ billing_reason: "subscription_create", status: "paid", amount_paid: 3 * SEAT });
    expect(first.lines.data.find((l) => l.amount > 0)).toMatchObject({ quantity: 3, amount: 3 * SEAT });

    const shown = await summary(org);
    expect(shown).toMatchObject({ plan: { id: "team" }, status: "active", seats: { members: 3, quantity: 3, pendingQuantity: null } });
    expect(shown.entitlements.limits).toEqual({ api_calls: 75_000, tokens: 3_000_000, jobs: 3_000 });

    // 3 seats × 1,000 jobs: the org's quota is 3,000, pooled across its members.
    expect(await consume(org.id, "jobs", 2_999)).toMatchObject({ allowed: true });
    expect(await consume(org.id, "jobs", 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await consume(org.id, "jobs", 1)).toMatchObject({ allowed: false });

    // A flat plan shows no seats.
    const flat = await organization(2);
    await subscribe(flat, "scale");
    expect((await stripeSeats(flat)).quantity).toBe(1);
    expect((await summary(flat)).seats).toBeNull();
  });

  it("a member added mid-period is invoiced now, prorated; syncing again bills nothing more", async () => {
    const org = await organization(1);
    await subscribe(org, "team");
    await advance(org, DAY10);
    await addMember(org.id);
    expect(await pushSeats(org.id)).toEqual({ members: 2, quantity: 2, pendingQuantity: null });
    const raised = (await invoicesOf(org)).filter((i) => i.billing_reason === "subscription_update");
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ status: "paid", total: prorated(2 * SEAT, DAY10) - prorated(SEAT, DAY10) });
    expect(raised[0].lines.data.every(isProration)).toBe(true);
    expect(await pushSeats(org.id)).toEqual({ members: 2, quantity: 2, pendingQuantity: null });
    expect((await invoicesOf(org)).filter((i) => i.billing_reason === "subscription_update")).toHaveLength(1);
    await env.flush();
    expect(await row(org)).toMatchObject({ quantity: 2, pendingQuantity: null });
  });

  it("three members join in parallel while one leaves: quantity = members (+ the decrease pending), additions billed once; the decrease applies on renewal", async () => {
    const org = await organization(2);
    await subscribe(org, "team");
    await advance(org, DAY10);
    const leaving = org.members[0];
    const joined: User[] = [];
    // Staggered by a few milliseconds, so the syncs read different member counts and race each other's writes.
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const join = async (delay: number) => {
      await pause(delay);
      joined.push(await addMember(org.id));
      await pushSeats(org.id);
    };
    await Promise.all([
      join(0),
      join(15),
      join(30),
      (async () => {
        await pause(20);
        await removeMember(org.id, leaving.id);
        await pushSeats(org.id);
      })(),
      pushSeats(org.id),
      pause(25).then(() => pushSeats(org.id)),
    ]);
    const members = 4;
    const after = await stripeSeats(org);
    // Never lower than the members; at most the peak (5, when all joins were seen before the leave).
    expect(after.quantity).toBeGreaterThanOrEqual(members);
    expect(after.quantity).toBeLessThanOrEqual(members + 1);
    expect(after.next ?? after.quantity).toBe(members);
    expect(after.next).toBe(after.quantity > members ? members : null);

    // The additions were invoiced now, each seat once: the proration invoices add up to the seats added.
    const raises = (await invoicesOf(org)).filter((i) => i.billing_reason === "subscription_update");
    expect(raises.length).toBeGreaterThan(0);
    for (const invoice of raises) {
      expect(invoice.status).toBe("paid");
      expect(invoice.lines.data.every(isProration)).toBe(true);
    }
    const billed = raises.reduce((sum, i) => sum + i.total, 0);
    const expected = prorated((after.quantity - 2) * SEAT, DAY10);
    expect(Math.abs(billed - expected)).toBeLessThanOrEqual(raises.length * 2);

    // A further sync is a no-op: nothing written, nothing billed.
    expect(await pushSeats(org.id)).toEqual({ members, quantity: after.quantity, pendingQuantity: after.next });
    expect((await invoicesOf(org)).filter((i) => i.billing_reason === "subscription_update")).toHaveLength(raises.length);

    // One more leaves: the quantity stays for this period, the decrease waits for the period end.
    await removeMember(org.id, joined[0].id);
    await pushSeats(org.id);
    await env.flush();
    const lowered = await stripeSeats(org);
    expect([lowered.quantity, lowered.next, lowered.nextLookupKey]).toEqual([after.quantity, 3, "team_monthly"]);
    expect(await row(org)).toMatchObject({ quantity: after.quantity, pendingQuantity: 3 });
    expect((await summary(org)).seats).toEqual({ members: 3, quantity: after.quantity, pendingQuantity: 3 });
    expect((await invoicesOf(org)).filter((i) => i.billing_reason === "subscription_update")).toHaveLength(raises.length);

    // Renewal: the lower quantity applies and is billed in full; nothing pending any more.
    await advance(org, PERIOD_END + 2 * 3600);
    const renewed = await stripeSeats(org);
    expect([renewed.quantity, renewed.next]).toEqual([3, null]);
    expect(await row(org)).toMatchObject({ quantity: 3, pendingQuantity: null });
    const cycle = (await invoicesOf(org)).find((i) => i.billing_reason === "subscription_cycle");
    expect(cycle).toMatchObject({ status: "paid", amount_paid: 3 * SEAT });
    expect(cycle?.lines.data.find((l) => l.amount > 0)).toMatchObject({ quantity: 3 });
    expect((await summary(org)).seats).toEqual({ members: 3, quantity: 3, pendingQuantity: null });
  });

  it("a member back before the renewal drops the pending decrease, without billing the seat again", async () => {
    const org = await organization(3);
    await subscribe(org, "team");
    await advance(org, DAY10);
    await removeMember(org.id, org.members[0].id);
    expect(await pushSeats(org.id)).toEqual({ members: 2, quantity: 3, pendingQuantity: 2 });
    await addMember(org.id);
    expect(await pushSeats(org.id)).toEqual({ members: 3, quantity: 3, pendingQuantity: null });
    const seats = await stripeSeats(org);
    expect([seats.quantity, seats.next, seats.subscription.schedule]).toEqual([3, null, null]);
    expect((await invoicesOf(org)).filter((i) => i.billing_reason === "subscription_update")).toHaveLength(0);
  });

  it("the webhook stores the schedule's lower quantity as pending_quantity, whoever wrote it, and the renewal applies it", async () => {
    const org = await organization(4);
    await subscribe(org, "team");
    const { subscription } = await stripeSeats(org);
    const item = subscription.items.data.find((i) => i.price.recurring?.usage_type !== "metered") as Stripe.SubscriptionItem;
    const metered = subscription.items.data.filter((i) => i.id !== item.id).map((i) => ({ price: i.price.id }));
    // Written straight to Stripe (not through pushSeats): only the webhook can tell our row.
    const schedule = await env.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    await env.stripe.subscriptionSchedules.update(schedule.id, {
      end_behavior: "release",
      phases: [
        {
          items: [{ price: item.price.id, quantity: 4 }, ...metered],
          start_date: item.current_period_start,
          end_date: item.current_period_end,
        },
        { items: [{ price: item.price.id, quantity: 2 }, ...metered] },
      ],
    });
    await env.flush();
    expect(await row(org)).toMatchObject({ quantity: 4, pendingQuantity: 2, pendingPlanId: null });
    expect((await summary(org)).seats).toEqual({ members: 4, quantity: 4, pendingQuantity: 2 });
    await advance(org, PERIOD_END + 2 * 3600);
    expect(await row(org)).toMatchObject({ quantity: 2, pendingQuantity: null });
    expect((await summary(org)).entitlements.limits.jobs).toBe(2_000);
  });

  it("seat_limit_reached at the plan's maximum, naming it; no limit without a per-seat plan", async () => {
    const org = await organization(49);
    const refusal = async (adding: number) => {
      try {
        await assertSeatAvailable(env.database.db, org.id, adding);
        return null;
      } catch (error) {
        return error;
      }
    };
    // No subscription yet (Free): seats are not limited.
    expect(await refusal(5)).toBeNull();
    await subscribe(org, "team");
    expect((await stripeSeats(org)).quantity).toBe(49);
    expect(await refusal(1)).toBeNull();
    const over = await refusal(2);
    expect(isAppError(over, "seat_limit_reached")).toBe(true);
    expect(isAppError(over) && over.details).toMatchObject({ maximum: 50 });
    expect(isAppError(over) && httpStatus(over.code)).toBe(409);
    await addMember(org.id);
    expect(isAppError(await refusal(1), "seat_limit_reached")).toBe(true);

    // Checkout for Team with more members than its maximum is refused before Stripe is asked.
    const big = await organization(51);
    const res = await post(checkoutRoute, big.owner, "/api/billing/checkout", { plan: "team", interval: "month", accountId: big.id });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: "seat_limit_reached", maximum: 50 });
  });

  it("changing into Team sets the seats to the members; out of Team, one seat from the period end", async () => {
    const org = await organization(3);
    await subscribe(org, "scale");
    await advance(org, DAY10);
    // 3 × $12 < $99: Scale → Team is a decrease of the item amount, so it waits for the period end, with 3 seats.
    const down = await post(changeRoute, org.owner, "/api/billing/subscription/change", {
      plan: "team",
      interval: "month",
      accountId: org.id,
    });
    expect(down.status).toBe(200);
    await env.flush();
    const scheduled = await stripeSeats(org);
    expect([scheduled.quantity, scheduled.next, scheduled.nextLookupKey]).toEqual([1, 3, "team_monthly"]);
    await advance(org, PERIOD_END + 2 * 3600);
    const onTeam = await stripeSeats(org);
    expect(onTeam.quantity).toBe(3);
    expect((await summary(org)).seats).toEqual({ members: 3, quantity: 3, pendingQuantity: null });

    // Team (3 × $12) → Pro ($19): a lower amount, at the period end, with one seat.
    const toPro = await post(changeRoute, org.owner, "/api/billing/subscription/change", {
      plan: "pro",
      interval: "month",
      accountId: org.id,
    });
    expect(toPro.status).toBe(200);
    await env.flush();
    const pending = await stripeSeats(org);
    expect([pending.quantity, pending.next, pending.nextLookupKey]).toEqual([3, 1, "pro_monthly"]);
    // A member change meanwhile keeps the pending plan change and its one seat.
    await addMember(org.id);
    expect(await pushSeats(org.id)).toMatchObject({ members: 4, quantity: 4 });
    const kept = await stripeSeats(org);
    expect([kept.quantity, kept.next, kept.nextLookupKey]).toEqual([4, 1, "pro_monthly"]);
    expect((await summary(org)).pendingChange).toMatchObject({ plan: { id: "pro" } });

    // Choosing Team again drops the pending change to Pro: the seats stay the members, nothing pending.
    const stay = await post(changeRoute, org.owner, "/api/billing/subscription/change", {
      plan: "team",
      interval: "month",
      accountId: org.id,
    });
    expect(stay.status).toBe(200);
    await env.flush();
    const stayed = await stripeSeats(org);
    expect([stayed.quantity, stayed.next]).toEqual([4, null]);
    expect(await summary(org)).toMatchObject({ pendingChange: null, seats: { members: 4, quantity: 4, pendingQuantity: null } });
  });
});
