"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useEffectEvent, useRef, useState } from "react";
import { Alert } from "@/components/ui";
import { selectAccount } from "@/components/accounts/select-account";
import { isHttpUrl, postApi, safeAppPath } from "@/components/billing/api";
import type { PlanView } from "@/lib/billing/catalog-view";
import type { OfferView } from "@/lib/billing/promotions";
import type { BillingInterval, FEATURES, METERS, MeterId } from "@/lib/billing/plans";
import { formatLimit, formatMoney, savingsLabel, yearlySavings } from "@/lib/format";
import { IntervalToggle } from "./interval-toggle";
import { CHANGE_PLAN_PATH, PlanCta } from "./plan-cta";

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

interface Notice {
  tone: "error" | "info";
  message: string;
  link?: { href: string; label: string };
}

/** `?ui=embedded` (or `hosted`) on this page picks Checkout's UI (kept through sign-up); else the server's CHECKOUT_UI decides. */
function requestedCheckoutUi(): "embedded" | "hosted" | null {
  const ui = new URLSearchParams(window.location.search).get("ui");
  return ui === "embedded" || ui === "hosted" ? ui : null;
}
const checkoutUiQuery = () => {
  const ui = requestedCheckoutUi();
  return ui ? `&ui=${ui}` : "";
};

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
  const router = useRouter();
  const [interval, setBillingInterval] = useState<BillingInterval>(initialInterval);
  const [pendingPlan, setPendingPlan] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  // Coming back from Checkout with the browser's back button restores this page from the
  // back/forward cache with the button still saying "Redirecting…": reset it.
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) setPendingPlan(null);
    };
    window.addEventListener("pageshow", onPageShow);
    return () => window.removeEventListener("pageshow", onPageShow);
  }, []);

  const currency = plans.find((p) => p.prices)?.prices?.month.currency ?? "usd";
  const savingLabels = plans.flatMap((p) => {
    const label = p.prices ? savingsLabel(yearlySavings(p.prices.month.amount, p.prices.year.amount)) : null;
    return label ? [label] : [];
  });
  const yearlyBadge = savingLabels.length === 0 ? null : new Set(savingLabels).size === 1 ? savingLabels[0] : "Save more";
  const resumePlan = plans.find((p) => p.id === resumePlanId && p.purchasable) ?? null;
  // Back from sign-up or sign-in with a plan chosen: go straight on to Checkout, no second click.
  const continueToCheckout = Boolean(
    resumePlan && viewer.signedIn && viewer.account?.canManage !== false && !viewer.hasSubscription && paymentsEnabled && resumePlan.prices?.[interval].available,
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
  const meterIds = Object.keys(meters) as MeterId[];
  const featureIds = Object.keys(features) as Array<keyof typeof FEATURES>;

  async function choose(plan: PlanView) {
    setNotice(null);
    const promo = offer ? `&promo=${encodeURIComponent(offer.code)}` : "";
    const returnTo = `/pricing?plan=${encodeURIComponent(plan.id)}&interval=${interval}${promo}${checkoutUiQuery()}`;
    if (!viewer.signedIn) {
      router.push(`/sign-up?callbackUrl=${encodeURIComponent(returnTo)}`);
      return;
    }
    setPendingPlan(plan.id);
    const ui = requestedCheckoutUi();
    const result = await postApi<{ url: string }>("/api/billing/checkout", {
      plan: plan.id,
      interval,
      accountId: viewer.account?.id,
      ...(offer ? { promotionCode: offer.code } : {}),
      ...(ui ? { ui } : {}),
    });
    if (result.ok && isHttpUrl(result.data.url)) {
      // Keep the button disabled while the browser leaves for Checkout.
      window.location.assign(result.data.url);
      return;
    }
    setPendingPlan(null);
    if (result.ok) {
      setNotice({ tone: "error", message: "Checkout could not be started: no checkout address came back. Nothing was charged." });
      return;
    }
    if (result.status === 401) {
      router.push(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
      return;
    }
    if (result.status === 409 && result.error === "subscription_exists") {
      setNotice({
        tone: "error",
        message: "You already have a subscription, so a new checkout was not started. Change your plan from Billing instead.",
        link: { href: safeAppPath(result.details.changePlanUrl, CHANGE_PLAN_PATH), label: "Change your plan" },
      });
      return;
    }
    if (result.error === "payments_not_configured") {
      setNotice({ tone: "error", message: "Payments are not configured on this server, so plans cannot be bought right now. Nothing was charged." });
      return;
    }
    if (result.error === "invalid_promotion_code") {
      setNotice({ tone: "error", message: `The offer ${offer?.code ?? ""} cannot be used: ${result.message} Nothing was charged.` });
      return;
    }
    setNotice({ tone: "error", message: `Checkout could not be started: ${result.message}` });
  }

  /** The plan's card-less trial: no Checkout; the account is on the plan at once, then Billing asks for a card. */
  async function startTrial(plan: PlanView) {
    setNotice(null);
    setPendingPlan(plan.id);
    const result = await postApi("/api/billing/trial", { plan: plan.id, interval, accountId: viewer.account?.id });
    if (result.ok) {
      router.push("/billing");
      return;
    }
    setPendingPlan(null);
    if (result.error === "trial_already_used") {
      setNotice({ tone: "error", message: `${result.message} Nothing was started.` });
      return;
    }
    setNotice({ tone: "error", message: `The trial could not be started: ${result.message}` });
  }

  return (
    <div className="space-y-8">
      {offer && (
        <Alert tone="info" testId="launch-offer">
          <strong className="font-semibold">{offer.couponName ?? "Offer"}:</strong> {offer.label} with the code{" "}
          <code className="font-mono font-semibold">{offer.code}</code>, applied at checkout.
        </Alert>
      )}
      <IntervalToggle value={interval} onChange={setBillingInterval} yearlyBadge={yearlyBadge} />

      {!paymentsEnabled && (
        <Alert tone="info" testId="payments-disabled">
          Online payments are not configured on this server, so paid plans cannot be bought right now.
        </Alert>
      )}
      {resumePlan && pendingPlan === resumePlan.id && (
        <Alert tone="info" testId="resume-checkout">
          You are signed in. Taking you to secure checkout for {resumePlan.name}…
        </Alert>
      )}
      {viewer.account && !viewer.account.canManage && (
        <Alert tone="info" testId="member-cannot-buy">
          You are a member of {viewer.account.name}: only its owners and admins can buy a plan for it.{" "}
          {viewer.account.personalId && (
            <button
              type="button"
              className="font-medium underline"
              onClick={() => {
                selectAccount(viewer.account!.personalId!);
                router.refresh();
              }}
            >
              Switch to your personal account
            </button>
          )}
        </Alert>
      )}
      {viewer.hasSubscription && viewer.account?.canManage !== false && (
        <Alert tone="info" testId="subscribed-notice">
          {viewer.account?.kind === "organization" ? `${viewer.account.name} already has a subscription.` : "You already have a subscription."} Upgrades, downgrades and cancellation are on your{" "}
          <Link href={CHANGE_PLAN_PATH} className="font-medium underline">
            Billing page
          </Link>
          .
        </Alert>
      )}
      {notice && (
        <Alert tone={notice.tone} testId="checkout-error">
          {notice.message}
          {notice.link && (
            <>
              {" "}
              <Link href={notice.link.href} className="font-medium underline">
                {notice.link.label}
              </Link>
            </>
          )}
        </Alert>
      )}

      {/* Each card spans six rows of the list's grid (subgrid), so the name, description, price,
          button, limits and features line up across a row of cards whatever each one holds. */}
      <ul className="grid gap-x-6 gap-y-6 md:grid-cols-2 lg:grid-cols-3 xl:grid-cols-5 xl:gap-x-4">
        {plans.map((plan) => {
          const price = plan.prices?.[interval] ?? null;
          const isCurrent = viewer.currentPlanId === plan.id;
          const highlighted = resumePlan?.id === plan.id || (!resumePlan && plan.id === "pro");
          const headingId = `plan-${plan.id}-name`;
          return (
            <li
              key={plan.id}
              aria-labelledby={headingId}
              data-testid={`plan-card-${plan.id}`}
              className={`row-span-6 grid grid-rows-subgrid gap-y-0 rounded-lg border bg-surface p-6 shadow-sm ${highlighted ? "border-brand-500 ring-2 ring-brand-500" : "border-gray-200"}`}
            >
              <div className="flex items-center justify-between gap-2">
                <h2 id={headingId} className="text-lg font-semibold">
                  {plan.name}
                </h2>
                {isCurrent && viewer.signedIn && (
                  <span className="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-700">Current plan</span>
                )}
              </div>
              <p className="mt-1 min-h-10 text-sm text-gray-600">{plan.description}</p>

              <div className="mt-4 min-h-20" data-testid={`plan-price-${plan.id}`}>
                {price ? (
                  <>
                    <p>
                      <span className="text-3xl font-bold">{formatMoney(price.amount, price.currency, { trimZeros: true })}</span>
                      <span className="text-gray-600">{plan.seats ? " per seat" : ""} /{interval}</span>
                    </p>
                    {interval === "year" && plan.prices && (
                      <p className="text-sm text-gray-600">
                        {formatMoney(Math.round(price.amount / 12), price.currency)}/month{plan.seats ? " per seat" : ""}, billed yearly
                        {(() => {
                          const label = savingsLabel(yearlySavings(plan.prices.month.amount, plan.prices.year.amount));
                          return label ? <span className="font-medium text-green-700"> · {label}</span> : null;
                        })()}
                      </p>
                    )}
                  </>
                ) : plan.contactSales ? (
                  <p className="text-3xl font-bold">Custom</p>
                ) : (
                  <p>
                    <span className="text-3xl font-bold">{formatMoney(0, currency, { trimZeros: true })}</span>
                    <span className="text-gray-600"> forever</span>
                  </p>
                )}
                {plan.trialDays > 0 && !viewer.trialUsed && (
                  <p className="mt-1 inline-block rounded-full bg-green-100 px-2 py-0.5 text-xs font-semibold text-green-800" data-testid={`plan-trial-${plan.id}`}>
                    {plan.trialDays}-day free trial
                  </p>
                )}
              </div>

              <div className="mt-4">
                <PlanCta
                  plan={plan}
                  viewer={viewer}
                  isCurrent={isCurrent}
                  paymentsEnabled={paymentsEnabled}
                  priceAvailable={price?.available ?? false}
                  pending={pendingPlan === plan.id}
                  disabled={pendingPlan !== null}
                  salesEmail={salesEmail}
                  onChoose={() => void choose(plan)}
                  onStartTrial={() => void startTrial(plan)}
                />
              </div>

              <div>
                <h3 className="mt-6 text-xs font-semibold uppercase tracking-wide text-gray-500">
                  {interval === "year" && price ? "Every month, billed yearly" : "Every month"}
                </h3>
                <ul className="mt-2 space-y-1 text-sm" data-testid={`plan-limits-${plan.id}`}>
                  {meterIds.map((meter) => (
                    <li key={meter}>
                      <span className="flex justify-between gap-2">
                        <span className="text-gray-600">{meters[meter].label}</span>
                        <span className="font-medium">
                          {formatLimit(plan.limits[meter])}
                          {plan.limits[meter] !== null && <span className="font-normal text-gray-600"> / month</span>}
                        </span>
                      </span>
                      {plan.overage[meter] && (
                        <span className="block text-right text-xs text-gray-600" data-testid={`plan-overage-${plan.id}-${meter}`}>
                          then {plan.overage[meter]}
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              </div>

              <div>
                <h3 className="mt-4 text-xs font-semibold uppercase tracking-wide text-gray-500">Includes</h3>
                <ul className="mt-2 space-y-1 text-sm">
                  {featureIds.some((f) => plan.features[f]) ? (
                    featureIds
                      .filter((f) => plan.features[f])
                      .map((f) => (
                        <li key={f} className="flex gap-2">
                          <span aria-hidden="true" className="text-green-600">
                            ✓
                          </span>
                          {features[f]}
                        </li>
                      ))
                  ) : (
                    <li className="text-gray-600">The basics, within the limits above</li>
                  )}
                </ul>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
