import type { Metadata } from "next";
import Link from "next/link";
import { BillingDetailsForm } from "@/components/billing/billing-details-form";
import { ChangePlan, type PlanOption } from "@/components/billing/change-plan";
import { INVOICE_PAGE_SIZE } from "@/components/billing/constants";
import { CreditsSection } from "@/components/billing/credits-section";
import { CurrentPlanCard } from "@/components/billing/current-plan-card";
import { InvoiceTable } from "@/components/billing/invoice-table";
import { PlanIncludes } from "@/components/billing/plan-includes";
import { PromotionSection } from "@/components/billing/promotion-section";
import { SpendCapSection } from "@/components/billing/spend-cap-section";
import { VerifyEmailNotice } from "@/components/verify-email-notice";
import { Alert, Card } from "@/components/ui";
import { ApiKeysPlaceholder } from "@/components/usage/api-key-list";
import { LazyApiKeys } from "@/components/usage/lazy-api-keys";
import { UsageSection } from "@/components/usage/usage-section";
import { getSelectedAccountContext } from "@/lib/accounts/current";
import { requireUser } from "@/lib/auth/session";
import { getBillingOverview } from "@/lib/billing/overview";
import { INTERVALS, purchasablePlans } from "@/lib/billing/plans";

export const metadata: Metadata = { title: "Billing" };
export const dynamic = "force-dynamic";

/** The selected account's billing (the header's switcher): everyone sees plan and usage; owners and admins manage it. */
export default async function BillingPage() {
  const user = await requireUser("/billing");
  const { current: account } = await getSelectedAccountContext(user);
  const overview = await getBillingOverview(account.id, account.role, { invoicePageSize: INVOICE_PAGE_SIZE });
  const { summary, live, invoices, apiKeys } = overview;

  const options: PlanOption[] = purchasablePlans().flatMap((plan) =>
    plan.prices
      ? INTERVALS.map((interval) => ({
          planId: plan.id,
          planName: plan.name,
          interval,
          amount: plan.prices![interval],
          currency: plan.currency,
        }))
      : [],
  );
  // Change-plan selections describe the live Stripe subscription, the thing a change acts on.
  const current = live?.interval ? { planId: live.planId, interval: live.interval } : null;
  const pending = summary.pendingChange;
  const pendingSelection = pending?.interval ? { planId: pending.plan.id, interval: pending.interval } : null;

  return (
    // Keyed by the account: switching accounts starts every client part afresh (no keys or invoices carried over).
    <div key={account.id} className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold">Billing</h1>
        {account.kind === "organization" && (
          <p className="mt-1 text-sm text-gray-600" data-testid="billing-account">
            For the organization <strong className="font-medium text-gray-900">{account.name}</strong> (you are{" "}
            {account.role === "member" ? "a" : "an"} {account.role})
          </p>
        )}
      </div>
      {!user.emailVerified && <VerifyEmailNotice email={user.email} />}

      <CurrentPlanCard accountId={account.id} overview={overview} />
      {overview.canManage && live && <PromotionSection accountId={account.id} discounts={overview.discounts} canApply />}
      <UsageSection overview={overview.usage} />
      <CreditsSection accountId={account.id} credits={overview.credits} canManage={overview.canManage} />
      {overview.spendCap && overview.spendCap.meters.length > 0 && <SpendCapSection accountId={account.id} spendCap={overview.spendCap} />}
      <PlanIncludes entitlements={summary.entitlements} />

      {overview.canManage && (
        <section id="change-plan" aria-labelledby="change-plan-heading" className="scroll-mt-6">
          <Card className="space-y-4">
            <h2 id="change-plan-heading" className="text-lg font-semibold">
              Change plan
            </h2>
            <p className="text-sm text-gray-600">
              Upgrades start now and charge the prorated difference. Downgrades take effect at the end of the current period.
            </p>
            <ChangePlan
              accountId={account.id}
              options={options}
              current={current}
              pending={pendingSelection}
              currentPlanName={summary.plan.name}
              canChange={Boolean(live)}
            />
          </Card>
        </section>
      )}

      {apiKeys && (
        <section id="api-keys" aria-labelledby="api-keys-heading" className="scroll-mt-6">
          <Card className="space-y-4">
            <h2 id="api-keys-heading" className="text-lg font-semibold">
              API keys
            </h2>
            <p className="text-sm text-gray-600">
              Services call the usage API with <code className="font-mono">Authorization: Bearer &lt;key&gt;</code>. A key acts only for{" "}
              {account.kind === "organization" ? `the ${account.name} organization` : "your account"}.
            </p>
            {!summary.entitlements.features.apiAccess && (
              <Alert tone="info" testId="api-access-not-in-plan">
                API access is included in Pro and Scale, not in the {summary.plan.name} plan.{" "}
                {apiKeys.length > 0 ? "Your keys are paused until you upgrade; they are kept, not revoked. " : ""}
                <Link href="/pricing" className="font-medium underline">
                  See plans
                </Link>
              </Alert>
            )}
            <LazyApiKeys accountId={account.id} initial={apiKeys}>
              <ApiKeysPlaceholder keys={apiKeys} />
            </LazyApiKeys>
          </Card>
        </section>
      )}

      {overview.canManage && (
        <section id="billing-details" aria-labelledby="billing-details-heading" className="scroll-mt-6">
          <Card className="space-y-4">
            <h2 id="billing-details-heading" className="text-lg font-semibold">
              Billing details
            </h2>
            {account.kind === "personal" ? (
              <BillingDetailsForm accountId={account.id} />
            ) : (
              <p className="text-sm text-gray-600">
                The organization&apos;s company name, address and VAT ID are set in{" "}
                <Link href="/settings/organization#billing-details" className="font-medium underline">
                  its settings
                </Link>
                {overview.taxIds.length > 0 ? ` (tax IDs on file: ${overview.taxIds.map((t) => t.value).join(", ")})` : ""}.
              </p>
            )}
          </Card>
        </section>
      )}

      {invoices && (
        <section aria-labelledby="invoices-heading">
          <Card className="space-y-4">
            <h2 id="invoices-heading" className="text-lg font-semibold">
              Invoices
            </h2>
            <InvoiceTable
              key={`${account.id}:${invoices.invoices[0]?.id ?? "none"}:${invoices.invoices.map((i) => i.status).join(",")}`}
              accountId={account.id}
              initial={invoices.invoices}
              initialCursor={invoices.nextCursor}
            />
          </Card>
        </section>
      )}
    </div>
  );
}
