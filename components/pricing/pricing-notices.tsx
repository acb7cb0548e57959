import Link from "next/link";
import { useRouter } from "next/navigation";
import { Alert } from "@/components/ui";
import { selectAccount } from "@/components/accounts/select-account";
import type { PlanView } from "@/lib/billing/catalog-view";
import { CHANGE_PLAN_PATH } from "./plan-cta";
import type { PricingViewer } from "./pricing-plans";
import type { PurchaseNotice } from "./use-plan-purchase";

/**
 * The notes above the plan cards: payments switched off, a checkout resumed after
 * sign-in, a member who cannot buy for the organization, an existing subscription, and what went
 * wrong with the last button pressed.
 */
export function PricingNotices({
  paymentsEnabled,
  resumePlan,
  pendingPlan,
  viewer,
  notice,
}: {
  paymentsEnabled: boolean;
  resumePlan: PlanView | null;
  pendingPlan: string | null;
  viewer: PricingViewer;
  notice: PurchaseNotice | null;
}) {
  const router = useRouter();
  return (
    <>
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
          {viewer.account?.kind === "organization"
            ? `${viewer.account.name} already has a subscription.`
            : "You already have a subscription."}{" "}
          Upgrades, downgrades and cancellation are on your{" "}
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
    </>
  );
}
