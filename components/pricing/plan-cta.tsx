import Link from "next/link";
import { Button } from "@/components/ui";
import type { PlanView } from "@/lib/billing/catalog-view";
import type { PricingViewer } from "./pricing-plans";

export const CHANGE_PLAN_PATH = "/billing#change-plan";

/** A plan card's button: contact sales, get started, manage in Billing, switch, or Choose (Checkout). */
export function PlanCta({
  plan,
  viewer,
  isCurrent,
  paymentsEnabled,
  priceAvailable,
  pending,
  disabled,
  salesEmail,
  onChoose,
  onStartTrial,
}: {
  plan: PlanView;
  viewer: PricingViewer;
  isCurrent: boolean;
  paymentsEnabled: boolean;
  priceAvailable: boolean;
  pending: boolean;
  disabled: boolean;
  salesEmail: string;
  onChoose: () => void;
  /** Starts the plan's card-less trial (offered to a signed-in viewer who never had a trial). */
  onStartTrial?: () => void;
}) {
  const secondary =
    "inline-flex w-full items-center justify-center rounded-md border border-gray-300 px-4 py-2 text-sm font-medium hover:bg-gray-100";
  const primary =
    "inline-flex w-full items-center justify-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700";

  if (plan.contactSales) {
    const href = `mailto:${salesEmail}?subject=${encodeURIComponent(`${plan.name} plan`)}`;
    return (
      <a href={href} className={secondary}>
        Contact sales
      </a>
    );
  }
  if (!plan.prices) {
    if (!viewer.signedIn) {
      return (
        <Link href="/sign-up" className={secondary}>
          Get started
        </Link>
      );
    }
    return isCurrent ? (
      <p className="py-2 text-center text-sm text-gray-600">You are on this plan</p>
    ) : (
      <Link href="/billing" className={secondary}>
        Manage in Billing
      </Link>
    );
  }
  if (viewer.hasSubscription && viewer.account?.canManage === false) {
    // A member of the selected organization: its owners and admins change its plan.
    return (
      <p className="py-2 text-center text-sm text-gray-600">
        {isCurrent ? "The organization's plan" : "Owners and admins change the plan"}
      </p>
    );
  }
  if (viewer.hasSubscription) {
    return isCurrent ? (
      <Link href="/billing" className={secondary}>
        Manage your plan
      </Link>
    ) : (
      <Link href={CHANGE_PLAN_PATH} className={primary}>
        Switch to {plan.name}
      </Link>
    );
  }
  const unavailable = !paymentsEnabled || !priceAvailable || viewer.account?.canManage === false;
  return (
    <div className="space-y-1">
      <Button type="button" className="w-full" onClick={onChoose} disabled={disabled || unavailable} aria-busy={pending}>
        {pending ? "Redirecting to checkout…" : `Choose ${plan.name}`}
      </Button>
      {plan.trialWithoutCard && viewer.signedIn && !viewer.trialUsed && onStartTrial && (
        <button
          type="button"
          className={secondary}
          onClick={onStartTrial}
          disabled={disabled || unavailable}
          data-testid={`start-trial-${plan.id}`}
        >
          Start {plan.trialDays}-day trial, no card
        </button>
      )}
      {paymentsEnabled && !priceAvailable && <p className="text-center text-xs text-gray-600">Not available for purchase right now.</p>}
    </div>
  );
}
