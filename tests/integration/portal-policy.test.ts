/**
 * The Stripe customer portal follows the app's plan-change policy (lib/billing/plan-change-policy.ts,
 * written into the portal configuration by the catalog sync): a plan switch made in the portal
 * ends up exactly like the same change made through the app's own API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { POST as portalRoute } from "@/app/api/billing/portal/route";
import { GET as summaryRoute } from "@/app/api/billing/subscription/route";
import { POST as changeRoute } from "@/app/api/billing/subscription/change/route";
import type { User } from "@/db/schema";
import { lookupKeyFor, type BillingInterval } from "@/lib/billing/plans";
import type { BillingSummary } from "@/lib/billing/summary";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

describe.each(DATABASE_KINDS)("a plan switch in the portal behaves like one in the app (%s)", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  async function post(route: (r: never) => Promise<Response>, user: User, path: string, body?: unknown) {
    const res = await route((await requestAs(user.id, path, { method: "POST", body })) as never);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function summary(user: User): Promise<BillingSummary> {
    return (await (await summaryRoute((await requestAs(user.id, "/api/billing/subscription")) as never)).json()) as BillingSummary;
  }

  async function subscribed(plan: string, interval: BillingInterval): Promise<User> {
    const user = await env.createUser();
    const res = await post(checkoutRoute, user, "/api/billing/checkout", { plan, interval });
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(res.body.url as string)?.[1];
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(200);
    await env.flush();
    return user;
  }

  /** Opens the portal from the app (POST /api/billing/portal) and presses "Switch" on a plan there. */
  async function switchInPortal(user: User, plan: string, interval: BillingInterval): Promise<string> {
    const { body } = await post(portalRoute, user, "/api/billing/portal");
    const portalUrl = body.url as string;
    const summaryBefore = await summary(user);
    const [price] = (await env.stripe.prices.list({ lookup_keys: [lookupKeyFor(plan, interval)], active: true })).data;
    const res = await fetch(`${portalUrl}/switch`, {
      method: "POST",
      body: new URLSearchParams({ subscription: summaryBefore.subscriptionId as string, price: price.id }),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    await env.flush();
    return decodeURIComponent(res.headers.get("location") ?? "");
  }

  /** The parts of the billing view a change decides (ids and dates of different customers differ). */
  const outcome = (s: BillingSummary) => ({
    plan: s.plan.id,
    interval: s.interval,
    status: s.status,
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    trialEnd: s.trialEnd,
    pendingChange: s.pendingChange && { plan: s.pendingChange.plan.id, interval: s.pendingChange.interval, atPeriodEnd: s.pendingChange.effectiveAt === s.currentPeriodEnd },
  });

  it("the portal session uses the configuration the catalog sync made from the policy", async () => {
    const user = await subscribed("scale", "month");
    const { body } = await post(portalRoute, user, "/api/billing/portal");
    expect(body.url).toContain("/portal/bps_");
    const configs = await env.stripe.billingPortal.configurations.list({ active: true });
    const managed = configs.data.find((c) => c.metadata?.managed_by === "next-stripe-billing");
    expect(managed?.features.subscription_update).toMatchObject({
      enabled: true,
      proration_behavior: "always_invoice",
      schedule_at_period_end: { conditions: [{ type: "decreasing_item_amount" }, { type: "shortening_interval" }] },
      trial_update_behavior: "end_trial",
    });
    // Portal sessions cannot be retrieved; the event Stripe sends for the new one names its configuration.
    const [created] = (await env.stripe.events.list({ type: "billing_portal.session.created", limit: 1 })).data;
    expect(created.data.object).toMatchObject({ configuration: managed?.id, url: body.url });
  });

  it("the portal never changes seats: no quantity updates, and per-seat plans are not offered there", async () => {
    const user = await subscribed("pro", "month");
    const configs = await env.stripe.billingPortal.configurations.list({ active: true });
    const managed = configs.data.find((c) => c.metadata?.managed_by === "next-stripe-billing");
    expect(managed?.features.subscription_update.default_allowed_updates).toEqual(["price"]);
    const products = await env.stripe.products.list({ limit: 100 });
    const productOf = (planId: string) => products.data.find((p) => p.metadata.plan_id === planId)?.id;
    const offered = (managed?.features.subscription_update.products ?? []).map((p) => p.product).sort();
    expect(offered).toEqual([productOf("pro"), productOf("scale")].sort());
    expect(productOf("team")).toBeDefined();
    // Switching into Team in the portal is refused: it would keep one seat instead of the members.
    const location = await switchInPortal(user, "team", "month");
    expect(location).toContain("error=");
    expect(outcome(await summary(user))).toMatchObject({ plan: "pro", interval: "month", pendingChange: null });
  });

  it.each([
    ["a downgrade (Scale → Pro, monthly) waits for the period end", "scale", "month", "pro", "month"],
    ["a shorter interval (Scale yearly → monthly) waits for the period end", "scale", "year", "scale", "month"],
    ["an upgrade (Pro trial → Scale monthly) ends the trial and is billed now", "pro", "month", "scale", "month"],
    ["a longer interval (Pro trial monthly → yearly) ends the trial and is billed now", "pro", "month", "pro", "year"],
  ] as const)("%s, in the portal as in the app", async (_name, fromPlan, fromInterval, toPlan, toInterval) => {
    const inApp = await subscribed(fromPlan, fromInterval);
    const applied = await post(changeRoute, inApp, "/api/billing/subscription/change", { plan: toPlan, interval: toInterval });
    expect(applied.status).toBe(200);
    await env.flush();

    const inPortal = await subscribed(fromPlan, fromInterval);
    const location = await switchInPortal(inPortal, toPlan, toInterval);
    expect(location).not.toContain("error=");

    const expected = outcome(await summary(inApp));
    expect(outcome(await summary(inPortal))).toEqual(expected);
    if (expected.pendingChange) {
      expect(expected).toMatchObject({ plan: fromPlan, interval: fromInterval, pendingChange: { plan: toPlan, interval: toInterval, atPeriodEnd: true } });
    } else {
      expect(expected).toMatchObject({ plan: toPlan, interval: toInterval, status: "active", trialEnd: null });
    }
  });
});
