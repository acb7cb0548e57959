/**
 * The Stripe customer portal follows the app's plan-change policy (lib/billing/plan-change-policy.ts,
 * written into the portal configuration by the catalog sync). Every paid subscription carries
 * metered prices beside the plan, which Stripe's portal cannot update ("we can only support
 * cancellation for this subscription"), so the portal only cancels, like the app's Cancel, and
 * plan changes go through the app's own change-plan action.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { POST as portalRoute } from "@/app/api/billing/portal/route";
import { GET as summaryRoute } from "@/app/api/billing/subscription/route";
import { POST as changeRoute } from "@/app/api/billing/subscription/change/route";
import { POST as cancelRoute } from "@/app/api/billing/subscription/cancel/route";
import type { User } from "@/db/schema";
import { lookupKeyFor, type BillingInterval } from "@/lib/billing/plans";
import type { BillingSummary } from "@/lib/billing/summary";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

describe.each(DATABASE_KINDS)("the portal cancels, the app changes plans (%s)", (kind) => {
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
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(
      200,
    );
    await env.flush();
    return user;
  }

  /** Opens the portal from the app (POST /api/billing/portal); answers its URL. */
  async function openPortal(user: User): Promise<string> {
    const { body } = await post(portalRoute, user, "/api/billing/portal");
    return body.url as string;
  }

  /** Posts one of the portal page's forms; answers where it redirects. */
  async function portalForm(portalUrl: string, action: string, form: Record<string, string>): Promise<string> {
    const res = await fetch(`${portalUrl}/${action}`, { method: "POST", body: new URLSearchParams(form), redirect: "manual" });
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
    pendingChange: s.pendingChange && {
      plan: s.pendingChange.plan.id,
      interval: s.pendingChange.interval,
      atPeriodEnd: s.pendingChange.effectiveAt === s.currentPeriodEnd,
    },
  });

  it("the portal session uses the configuration the catalog sync made: cancel at period end, no subscription updates", async () => {
    const user = await subscribed("scale", "month");
    const url = await openPortal(user);
    expect(url).toContain("/portal/bps_");
    const configs = await env.stripe.billingPortal.configurations.list({ active: true });
    const managed = configs.data.find((c) => c.metadata?.managed_by === "next-stripe-billing");
    expect(managed?.features.subscription_cancel).toMatchObject({ enabled: true, mode: "at_period_end" });
    expect(managed?.features.subscription_update.enabled).toBe(false);
    // Portal sessions cannot be retrieved; the event Stripe sends for the new one names its configuration.
    const [created] = (await env.stripe.events.list({ type: "billing_portal.session.created", limit: 1 })).data;
    expect(created.data.object).toMatchObject({ configuration: managed?.id, url });
  });

  it("an app subscription has metered prices beside the plan, so Stripe's portal could not change its plan: it offers none", async () => {
    const user = await subscribed("pro", "month");
    const { subscriptionId } = await summary(user);
    const sub = await env.stripe.subscriptions.retrieve(subscriptionId as string);
    expect(sub.items.data.length).toBeGreaterThan(1);
    expect(sub.items.data.some((item) => item.price.recurring?.usage_type === "metered")).toBe(true);
    // Even with updates enabled, a deep link into a plan change for it is refused, as Stripe refuses it.
    const products = await env.stripe.products.list({ limit: 100 });
    const scale = products.data.find((p) => p.metadata.plan_id === "scale");
    const [scalePrice] = (await env.stripe.prices.list({ lookup_keys: [lookupKeyFor("scale", "month")], active: true })).data;
    const withUpdates = await env.stripe.billingPortal.configurations.create({
      features: {
        subscription_update: {
          enabled: true,
          default_allowed_updates: ["price"],
          products: [{ product: scale?.id as string, prices: [scalePrice.id] }],
        },
      },
    });
    await expect(
      env.stripe.billingPortal.sessions.create({
        customer: sub.customer as string,
        configuration: withUpdates.id,
        flow_data: { type: "subscription_update", subscription_update: { subscription: sub.id } },
      }),
    ).rejects.toThrow(/cannot be updated in the customer portal because it has usage-based prices/);

    // The app's portal shows no plan switch; a switch posted anyway changes nothing.
    const url = await openPortal(user);
    const page = await (await fetch(url)).text();
    expect(page).not.toContain("Switch plan");
    expect(page).toContain("Cancel plan");
    expect(await portalForm(url, "switch", { subscription: sub.id, price: scalePrice.id })).toContain("error=");
    expect(outcome(await summary(user))).toMatchObject({ plan: "pro", interval: "month", pendingChange: null });
  });

  it("cancel in the portal ends up exactly like Cancel in the app", async () => {
    const inApp = await subscribed("scale", "month");
    expect((await post(cancelRoute, inApp, "/api/billing/subscription/cancel")).status).toBe(200);
    await env.flush();

    const inPortal = await subscribed("scale", "month");
    const { subscriptionId } = await summary(inPortal);
    expect(await portalForm(await openPortal(inPortal), "cancel", { subscription: subscriptionId as string })).not.toContain("error=");

    const expected = outcome(await summary(inApp));
    expect(expected).toMatchObject({ plan: "scale", cancelAtPeriodEnd: true });
    expect(outcome(await summary(inPortal))).toEqual(expected);
  });

  it.each([
    ["a downgrade (Scale → Pro, monthly) waits for the period end", "scale", "month", "pro", "month"],
    ["a shorter interval (Scale yearly → monthly) waits for the period end", "scale", "year", "scale", "month"],
    ["an upgrade (Pro trial → Scale monthly) ends the trial and is billed now", "pro", "month", "scale", "month"],
    ["a longer interval (Pro trial monthly → yearly) ends the trial and is billed now", "pro", "month", "pro", "year"],
  ] as const)("%s, through the app's change-plan action", async (_name, fromPlan, fromInterval, toPlan, toInterval) => {
    const user = await subscribed(fromPlan, fromInterval);
    const applied = await post(changeRoute, user, "/api/billing/subscription/change", { plan: toPlan, interval: toInterval });
    expect(applied.status).toBe(200);
    await env.flush();
    const result = outcome(await summary(user));
    if (result.pendingChange) {
      expect(result).toMatchObject({
        plan: fromPlan,
        interval: fromInterval,
        pendingChange: { plan: toPlan, interval: toInterval, atPeriodEnd: true },
      });
    } else {
      expect(result).toMatchObject({ plan: toPlan, interval: toInterval, status: "active", trialEnd: null });
    }
    expect(Boolean(result.pendingChange)).toBe(toPlan === fromPlan ? toInterval === "month" : toPlan === "pro");
  });
});
