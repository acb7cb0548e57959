"use client";

import { useEffect, useEffectEvent, useRef, useState } from "react";
import { Alert } from "@/components/ui";
import type { PlanView } from "@/lib/billing/catalog-view";
import type { OfferView } from "@/lib/billing/promotions";
import type { BillingInterval, FEATURES, METERS } from "@/lib/billing/plans";
import { savingsLabel, yearlySavings } from "@/lib/format";
import { IntervalToggle } from "./interval-toggle";
import { PlanCard } from "./plan-card";
import { PricingNotices } from "./pricing-notices";
import { checkoutUiQuery, usePlanPurchase } from "./use-plan-purchase";

export interface PricingViewer {
  signedIn: boolean;
  /** The plan in force for the signed-in user (from the server, never the URL). */
  currentPlanId: string | null;
  currentInterval: BillingInterval | null;
  /** A live Stripe subscription exists, so plan changes go through /billing, not Checkout. */
  hasSubscription: boolean;
  /** The account had its trial (or paid) before: Checkout offers no trial, so none is promised. */
  trialUsed: boolean;
  /**
   * The selected account (the header's switcher), which Checkout buys for. A member of an
   * organization cannot buy for it (only its owners and admins can): they are told so and offered
   * their personal account instead, rather than buying for an account they did not pick.
   */
  account: { id: string; kind: "personal" | "organization"; name: string; canManage: boolean; personalId: string | null } | null;
}

/**
 * The pricing page's plans: the interval toggle, the notes above the cards, and a card per plan;
 * back from sign-up with a plan chosen, it goes straight on to Checkout.
 */
export function PricingPlans({
  plans,
  meters,
  features,
  paymentsEnabled,
  viewer,
  initialInterval,
  resumePlanId,
  salesEmail,
  offer = null,
}: {
  plans: PlanView[];
  meters: typeof METERS;
  features: typeof FEATURES;
  paymentsEnabled: boolean;
  viewer: PricingViewer;
  initialInterval: BillingInterval;
  resumePlanId: string | null;
  salesEmail: string;
  /** A launch offer checked in Stripe by the server: shown, carried through sign-up and passed to Checkout. */
  offer?: OfferView | null;
}) {
  const [interval, setBillingInterval] = useState<BillingInterval>(initialInterval);
  const { pendingPlan, notice, choose, startTrial } = usePlanPurchase({ viewer, offer, interval });

  const currency = plans.find((p) => p.prices)?.prices?.month.currency ?? "usd";
  const savingLabels = plans.flatMap((p) => {
    const label = p.prices ? savingsLabel(yearlySavings(p.prices.month.amount, p.prices.year.amount)) : null;
    return label ? [label] : [];
  });
  const yearlyBadge = savingLabels.length === 0 ? null : new Set(savingLabels).size === 1 ? savingLabels[0] : "Save more";
  const resumePlan = plans.find((p) => p.id === resumePlanId && p.purchasable) ?? null;
  // Back from sign-up or sign-in with a plan chosen: go straight on to Checkout, no second click.
  const continueToCheckout = Boolean(
    resumePlan &&
    viewer.signedIn &&
    viewer.account?.canManage !== false &&
    !viewer.hasSubscription &&
    paymentsEnabled &&
    resumePlan.prices?.[interval].available,
  );
  const continued = useRef(false);
  const startResumedCheckout = useEffectEvent(() => {
    if (!resumePlan || continued.current) return;
    continued.current = true;
    // Once only: Back from Checkout, or a reload, lands on the plain pricing page.
    window.history.replaceState(null, "", `/pricing?interval=${interval}${checkoutUiQuery()}`);
    void choose(resumePlan);
  });
  useEffect(() => {
    if (continueToCheckout) startResumedCheckout();
  }, [continueToCheckout]);

  return (
    <div className="space-y-8">
      {offer && (
        <Alert tone="info" testId="launch-offer">
          <strong className="font-semibold">{offer.couponName ?? "Offer"}:</strong> {offer.label} with the code{" "}
          <code className="font-mono font-semibold">{offer.code}</code>, applied at checkout.
        </Alert>
      )}
      <IntervalToggle value={interval} onChange={setBillingInterval} yearlyBadge={yearlyBadge} />

      <PricingNotices paymentsEnabled={paymentsEnabled} resumePlan={resumePlan} pendingPlan={pendingPlan} viewer={viewer} notice={notice} />

      {/* Each card spans six rows of the list's grid (subgrid), so the name, description, price,
          button, limits and features line up across a row of cards whatever each one holds. */}
      <ul className="grid gap-x-6 gap-y-6 md:grid-cols-2 lg:grid-cols-3 xl:grid-cols-5 xl:gap-x-4">
        {plans.map((plan) => (
          <PlanCard
            key={plan.id}
            plan={plan}
            interval={interval}
            currency={currency}
            meters={meters}
            features={features}
            viewer={viewer}
            highlighted={resumePlan?.id === plan.id || (!resumePlan && plan.id === "pro")}
            paymentsEnabled={paymentsEnabled}
            pendingPlan={pendingPlan}
            salesEmail={salesEmail}
            onChoose={() => void choose(plan)}
            onStartTrial={() => void startTrial(plan)}
          />
        ))}
      </ul>
    </div>
  );
}
