import Link from "next/link";
import { LocalTime } from "@/components/local-time";
import { SupportContact } from "@/components/support-email";
import { Alert, Card } from "@/components/ui";
import type { BillingOverview } from "@/lib/billing/overview";
import { formatDate, intervalLabel } from "@/lib/format";
import { supportEmail } from "@/lib/support";
import { AddCardButton } from "./add-card";
import { SeatsLine } from "./seats-line";
import { StatusBadge } from "./status-badge";
import { SubscriptionActions } from "./subscription-actions";
import { inGroup, PAYMENT_FAILED, SUBSCRIPTION_STATUS } from "@/lib/billing/subscription-status";

/**
 * The plan in force for the account, its status, period, notices and seats; the billing actions
 * (portal, cancel, resume) for those who manage it, a note for members, who cannot.
 */
export function CurrentPlanCard({ accountId, overview }: { accountId: string; overview: BillingOverview }) {
  const { summary, live, seats, canManage } = overview;
  const hasSubscription = Boolean(live);
  const cancelsAt = summary.cancelAtPeriodEnd ? (summary.cancelAt ?? summary.currentPeriodEnd) : summary.cancelAt;
  const periodEnd = summary.currentPeriodEnd;
  const pending = summary.pendingChange;
  const pastDue = inGroup(PAYMENT_FAILED, summary.status);
  // A live subscription set to end is badged as such, not "Active" (the admin pages say the same).
  const badgeStatus =
    cancelsAt && (summary.status === SUBSCRIPTION_STATUS.active || summary.status === SUBSCRIPTION_STATUS.trialing)
      ? "canceling"
      : summary.status;
  const fix = canManage
    ? "Update your payment method in Manage billing"
    : "An owner or admin of this organization can update the payment method";

  return (
    <Card className="space-y-5">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h2 className="text-sm font-medium text-gray-600">Current plan</h2>
          <div className="mt-1 flex items-center gap-3">
            <p className="text-2xl font-semibold" data-testid="current-plan">
              {summary.plan.name}
            </p>
            {/* Without a subscription the plan name says it all ("Free Free" otherwise). */}
            {summary.status !== "free" && <StatusBadge status={badgeStatus} cancelsAt={cancelsAt} />}
          </div>
          {seats && <SeatsLine seats={seats} />}
        </div>
        {!hasSubscription && canManage && (
          <Link href="/pricing" className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            See plans
          </Link>
        )}
      </div>

      {(summary.interval || summary.currentPeriodStart || summary.trialEnd) && (
        <dl className="grid gap-4 text-sm sm:grid-cols-3">
          {summary.interval && <Detail label="Billing interval" testId="billing-interval" value={intervalLabel(summary.interval)} />}
          {summary.currentPeriodStart && periodEnd && (
            <Detail
              label="Current period"
              testId="current-period"
              value={
                <>
                  <LocalTime value={summary.currentPeriodStart} style="long" /> – <LocalTime value={periodEnd} style="long" />
                </>
              }
            />
          )}
          {summary.trialEnd && <Detail label="Trial ends" testId="trial-end" value={<LocalTime value={summary.trialEnd} style="long" />} />}
        </dl>
      )}

      {overview.cardNeeded && (
        <Alert tone="info" testId="add-card-notice">
          {overview.cardNeeded.status === SUBSCRIPTION_STATUS.paused ? (
            <>The trial ended without a card, so the subscription is paused. Add a card to resume it.</>
          ) : overview.cardNeeded.trialEnd ? (
            <>
              Add a card to keep {summary.plan.name} after <LocalTime value={overview.cardNeeded.trialEnd} style="long" />.
            </>
          ) : (
            <>Add a card to keep {summary.plan.name} after the trial.</>
          )}
          <AddCardButton accountId={accountId} />
        </Alert>
      )}
      {cancelsAt && (
        <Alert tone="info" testId="cancel-notice">
          Cancels on <LocalTime value={cancelsAt} style="long" />
        </Alert>
      )}
      {summary.gracePeriodEndsAt && (
        <Alert testId="grace-period-warning">
          The last payment failed. {fix} before <LocalTime value={summary.gracePeriodEndsAt} style="long" /> to keep {summary.plan.name}.
        </Alert>
      )}
      {pastDue && !summary.gracePeriodEndsAt && (
        <Alert testId="payment-failed">
          The subscription payment failed and the grace period is over, so the account is on the {summary.plan.name} plan. {fix} to restore
          it.
        </Alert>
      )}
      {summary.status === SUBSCRIPTION_STATUS.incomplete && (
        <Alert testId="payment-incomplete">
          The first payment has not gone through yet.{" "}
          {canManage ? "Complete it in Manage billing." : "An owner or admin of this organization can complete it."}
        </Alert>
      )}
      {pending && (
        <Alert tone="info" testId="pending-change">
          {pending.effectiveAt ? (
            <>
              Switches to {pending.plan.name} on <LocalTime value={pending.effectiveAt} style="long" />
            </>
          ) : (
            `Switches to ${pending.plan.name} at the end of the period`
          )}
          {pending.interval ? ` (billed ${pending.interval}ly).` : "."}
        </Alert>
      )}

      {canManage ? (
        <SubscriptionActions
          accountId={accountId}
          hasBillingAccount={overview.hasBillingAccount}
          canCancel={hasSubscription && !summary.cancelAtPeriodEnd}
          canResume={hasSubscription && summary.cancelAtPeriodEnd}
          planName={summary.plan.name}
          accessEndsOn={periodEnd ? formatDate(periodEnd) : null}
          pendingPlanName={pending?.plan.name ?? null}
        />
      ) : (
        <p className="text-sm text-gray-600" data-testid="member-billing-note">
          Only owners and admins manage billing.
        </p>
      )}
      <SupportContact email={supportEmail()} />
    </Card>
  );
}

function Detail({ label, value, testId }: { label: string; value: React.ReactNode; testId: string }) {
  return (
    <div>
      <dt className="text-gray-600">{label}</dt>
      <dd className="font-medium" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
