import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db/client";
import { ChangePlan, type PlanOption } from "@/components/billing/change-plan";
import { INVOICE_PAGE_SIZE } from "@/components/billing/constants";
import { InvoiceTable } from "@/components/billing/invoice-table";
import { StatusBadge } from "@/components/billing/status-badge";
import { SubscriptionActions } from "@/components/billing/subscription-actions";
import { VerifyEmailNotice } from "@/components/verify-email-notice";
import { LocalTime } from "@/components/local-time";
import { Alert, Card } from "@/components/ui";
import { ApiKeysPlaceholder } from "@/components/usage/api-key-list";
import { LazyApiKeys } from "@/components/usage/lazy-api-keys";
import { SupportContact } from "@/components/support-email";
import { UsageSection } from "@/components/usage/usage-section";
import { listApiKeys } from "@/lib/auth/api-keys";
import { requireUser } from "@/lib/auth/session";
import { findBillingCustomer } from "@/lib/billing/customers";
import { listUserInvoices } from "@/lib/billing/invoices";
import { FEATURES, INTERVALS, METERS, purchasablePlans, type FeatureId, type MeterId } from "@/lib/billing/plans";
import { getUsageOverview } from "@/lib/billing/metering/overview";
import { getBillingSummary, liveStripeSubscription } from "@/lib/billing/summary";
import { formatDate, formatLimit, intervalLabel } from "@/lib/format";
import { supportEmail } from "@/lib/support";

export const metadata: Metadata = { title: "Billing" };
export const dynamic = "force-dynamic";

export default async function BillingPage() {
  const user = await requireUser("/billing");
  const db = await getDb();
  const [summary, invoicePage, customer, live, usage, keys] = await Promise.all([
    getBillingSummary(user.id),
    listUserInvoices(user.id, { limit: INVOICE_PAGE_SIZE }),
    findBillingCustomer(db, user.id),
    liveStripeSubscription(db, user.id),
    getUsageOverview(user.id),
    listApiKeys(user.id),
  ]);

  const hasSubscription = Boolean(live);
  const cancelsAt = summary.cancelAtPeriodEnd ? (summary.cancelAt ?? summary.currentPeriodEnd) : summary.cancelAt;
  const periodEnd = summary.currentPeriodEnd;
  const pending = summary.pendingChange;
  const pastDue = summary.status === "past_due" || summary.status === "unpaid";
  // A live subscription set to end is badged as such, not "Active" (the admin pages say the same).
  const badgeStatus = cancelsAt && (summary.status === "active" || summary.status === "trialing") ? "canceling" : summary.status;

  const options: PlanOption[] = purchasablePlans().flatMap((plan) =>
    plan.prices ? INTERVALS.map((interval) => ({ planId: plan.id, planName: plan.name, interval, amount: plan.prices![interval], currency: plan.currency })) : [],
  );
  // Change-plan selections describe the live Stripe subscription, the thing a change acts on.
  const current = live?.interval ? { planId: live.planId, interval: live.interval } : null;
  const pendingSelection = pending?.interval ? { planId: pending.plan.id, interval: pending.interval } : null;
  const meterIds = Object.keys(METERS) as MeterId[];
  const featureIds = Object.keys(FEATURES) as FeatureId[];

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold">Billing</h1>
      {!user.emailVerified && <VerifyEmailNotice email={user.email} />}

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
          </div>
          {!hasSubscription && (
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

        {cancelsAt && (
          <Alert tone="info" testId="cancel-notice">
            Cancels on <LocalTime value={cancelsAt} style="long" />
          </Alert>
        )}
        {summary.gracePeriodEndsAt && (
          <Alert testId="grace-period-warning">
            Your last payment failed. Update your payment method in Manage billing before <LocalTime value={summary.gracePeriodEndsAt} style="long" /> to keep{" "}
            {summary.plan.name}.
          </Alert>
        )}
        {pastDue && !summary.gracePeriodEndsAt && (
          <Alert testId="payment-failed">
            Your subscription payment failed and the grace period is over, so your account is on the {summary.plan.name} plan. Update your payment
            method in Manage billing to restore it.
          </Alert>
        )}
        {summary.status === "incomplete" && (
          <Alert testId="payment-incomplete">Your first payment has not gone through yet. Complete it in Manage billing.</Alert>
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

        <SubscriptionActions
          hasBillingAccount={Boolean(customer && !customer.deletedAt)}
          canCancel={hasSubscription && !summary.cancelAtPeriodEnd}
          canResume={hasSubscription && summary.cancelAtPeriodEnd}
          planName={summary.plan.name}
          accessEndsOn={periodEnd ? formatDate(periodEnd) : null}
          pendingPlanName={pending?.plan.name ?? null}
        />
        <SupportContact email={supportEmail()} />
      </Card>

      <UsageSection overview={usage} />

      <Card className="space-y-4">
        <h2 className="text-lg font-semibold">What your plan includes</h2>
        <div className="grid gap-6 sm:grid-cols-2">
          <div>
            <h3 className="text-xs font-semibold uppercase tracking-wide text-gray-500">Limits</h3>
            <p className="text-xs text-gray-500">Each billing period</p>
            <dl className="mt-2 space-y-1 text-sm" data-testid="entitlement-limits">
              {meterIds.map((meter) => (
                <div key={meter} className="flex justify-between gap-4">
                  <dt className="text-gray-600">{METERS[meter].label}</dt>
                  <dd className="font-medium">{formatLimit(summary.entitlements.limits[meter], METERS[meter].unit)}</dd>
                </div>
              ))}
            </dl>
          </div>
          <div>
            <h3 className="text-xs font-semibold uppercase tracking-wide text-gray-500">Features</h3>
            <ul className="mt-2 space-y-1 text-sm">
              {featureIds.map((feature) => {
                const on = summary.entitlements.features[feature];
                return (
                  <li key={feature} className={on ? "" : "text-gray-500"}>
                    <span aria-hidden="true" className={on ? "text-green-600 dark:text-green-400" : ""}>
                      {on ? "✓" : "—"}
                    </span>{" "}
                    {FEATURES[feature]}
                    <span className="sr-only">{on ? " (included)" : " (not included)"}</span>
                  </li>
                );
              })}
            </ul>
          </div>
        </div>
      </Card>

      <section id="change-plan" aria-labelledby="change-plan-heading" className="scroll-mt-6">
        <Card className="space-y-4">
          <h2 id="change-plan-heading" className="text-lg font-semibold">
            Change plan
          </h2>
          <p className="text-sm text-gray-600">
            Upgrades start now and charge the prorated difference. Downgrades take effect at the end of the current period.
          </p>
          <ChangePlan options={options} current={current} pending={pendingSelection} currentPlanName={summary.plan.name} canChange={hasSubscription} />
        </Card>
      </section>

      <section id="api-keys" aria-labelledby="api-keys-heading" className="scroll-mt-6">
        <Card className="space-y-4">
          <h2 id="api-keys-heading" className="text-lg font-semibold">
            API keys
          </h2>
          <p className="text-sm text-gray-600">
            Services call the usage API with <code className="font-mono">Authorization: Bearer &lt;key&gt;</code>. A key acts only for your
            account.
          </p>
          {!summary.entitlements.features.apiAccess && (
            <Alert tone="info" testId="api-access-not-in-plan">
              API access is included in Pro and Scale, not in the {summary.plan.name} plan.{" "}
              {keys.length > 0 ? "Your keys are paused until you upgrade; they are kept, not revoked. " : ""}
              <Link href="/pricing" className="font-medium underline">
                See plans
              </Link>
            </Alert>
          )}
          <LazyApiKeys initial={keys}>
            <ApiKeysPlaceholder keys={keys} />
          </LazyApiKeys>
        </Card>
      </section>

      <section aria-labelledby="invoices-heading">
        <Card className="space-y-4">
          <h2 id="invoices-heading" className="text-lg font-semibold">
            Invoices
          </h2>
          <InvoiceTable
            key={`${invoicePage.invoices[0]?.id ?? "none"}:${invoicePage.invoices.map((i) => i.status).join(",")}`}
            initial={invoicePage.invoices}
            initialCursor={invoicePage.nextCursor}
          />
        </Card>
      </section>
    </div>
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
