import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { isHttpUrl, postApi, safeAppPath } from "@/components/billing/api";
import type { PlanView } from "@/lib/billing/catalog-view";
import type { OfferView } from "@/lib/billing/promotions";
import type { BillingInterval } from "@/lib/billing/plans";
import { CHANGE_PLAN_PATH } from "./plan-cta";
import type { PricingViewer } from "./pricing-plans";

/** What went wrong (or what to know) after pressing a plan's button. */
export interface PurchaseNotice {
  tone: "error" | "info";
  message: string;
  link?: { href: string; label: string };
}

/** `?ui=embedded` (or `hosted`) on this page picks Checkout's UI (kept through sign-up); else the server's CHECKOUT_UI decides. */
function requestedCheckoutUi(): "embedded" | "hosted" | null {
  const ui = new URLSearchParams(window.location.search).get("ui");
  return ui === "embedded" || ui === "hosted" ? ui : null;
}
export const checkoutUiQuery = () => {
  const ui = requestedCheckoutUi();
  return ui ? `&ui=${ui}` : "";
};

/**
 * Buying a plan from the pricing page: `choose` starts Checkout (or sends a visitor to sign up
 * first), `startTrial` starts a card-less trial; `pendingPlan` is the plan whose button is busy and
 * `notice` says why nothing happened.
 */
export function usePlanPurchase({
  viewer,
  offer,
  interval,
}: {
  viewer: PricingViewer;
  offer: OfferView | null;
  interval: BillingInterval;
}) {
  const router = useRouter();
  const [pendingPlan, setPendingPlan] = useState<string | null>(null);
  const [notice, setNotice] = useState<PurchaseNotice | null>(null);

  // Coming back from Checkout with the browser's back button restores this page from the
  // back/forward cache with the button still saying "Redirecting…": reset it.
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) setPendingPlan(null);
    };
    window.addEventListener("pageshow", onPageShow);
    return () => window.removeEventListener("pageshow", onPageShow);
  }, []);

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
      setNotice({
        tone: "error",
        message: "Payments are not configured on this server, so plans cannot be bought right now. Nothing was charged.",
      });
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

  return { pendingPlan, notice, choose, startTrial };
}
