import type { Metadata } from "next";
import { PlanChart, RevenueChart } from "@/components/admin/charts";
import { MetricCard } from "@/components/admin/metric-card";
import { DataTable, Td, Th } from "@/components/admin/table";
import { LocalTime } from "@/components/local-time";
import { Card } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminOverview } from "@/lib/billing/admin/console";
import { findPlan } from "@/lib/billing/plans";
import { formatMoney, formatMonth, formatPercent } from "@/lib/format";

export const metadata: Metadata = { title: "Admin" };
export const dynamic = "force-dynamic";

export default async function AdminOverviewPage() {
  await requireAdmin("/admin");
  const { metrics: m, definitions: d } = await adminOverview();
  const money = (amount: number | null) => (amount === null ? "—" : formatMoney(amount, m.currency));
  const plans = m.planDistribution.map((p) => ({ ...p, label: findPlan(p.plan)?.name ?? p.plan }));

  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold">Admin</h1>
        <p className="mt-1 text-sm text-gray-600">
          From our own subscription and invoice rows, in {m.currency.toUpperCase()}; other currencies are left out of money figures. As of{" "}
          <LocalTime value={m.computedAt} />, recomputed at most once a minute.
        </p>
      </div>

      <section aria-labelledby="revenue-heading" className="space-y-3">
        <h2 id="revenue-heading" className="text-lg font-semibold">
          Revenue
        </h2>
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <MetricCard label="MRR" value={money(m.mrr)} definition={d.mrr} testId="metric-mrr" />
          <MetricCard label="ARR" value={money(m.arr)} definition={d.arr} testId="metric-arr" />
          <MetricCard label="ARPU" value={money(m.arpu)} definition={d.arpu} testId="metric-arpu" />
          <MetricCard label="LTV" value={money(m.ltv)} definition={d.ltv} testId="metric-ltv" />
          <MetricCard label="Paying accounts" value={m.payingCustomers} definition={d.payingCustomers} testId="metric-paying-accounts" />
          <MetricCard
            label="Paying organizations"
            value={m.payingOrganizations}
            definition={d.payingOrganizations}
            testId="metric-paying-organizations"
          />
        </dl>
      </section>

      <section aria-labelledby="subscriptions-heading" className="space-y-3">
        <h2 id="subscriptions-heading" className="text-lg font-semibold">
          Subscriptions
        </h2>
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <MetricCard label="Active" value={m.activeSubscriptions} definition={d.activeSubscriptions} testId="metric-active" />
          <MetricCard label="Trialing" value={m.trialingSubscriptions} definition={d.trialingSubscriptions} testId="metric-trialing" />
          <MetricCard label="Past due" value={m.pastDueSubscriptions} definition={d.pastDueSubscriptions} testId="metric-past-due" />
          <MetricCard label="Canceling" value={m.cancelingSubscriptions} definition={d.cancelingSubscriptions} testId="metric-canceling" />
          <MetricCard label="New (30 days)" value={m.newSubscriptions30d} definition={d.newSubscriptions30d} testId="metric-new" />
          <MetricCard
            label="Churned (30 days)"
            value={m.churnedSubscriptions30d}
            definition={d.churnedSubscriptions30d}
            testId="metric-churned"
          />
          <MetricCard
            label="Churn rate (30 days)"
            value={formatPercent(m.churnRate30d)}
            definition={d.churnRate30d}
            testId="metric-churn-rate"
          />
          <MetricCard
            label="Trial conversion"
            value={formatPercent(m.trialConversion)}
            definition={d.trialConversion}
            testId="metric-trial-conversion"
          />
          <MetricCard
            label="Failed payments (30 days)"
            value={m.failedPayments30d}
            definition={d.failedPayments30d}
            testId="metric-failed-payments"
          />
          <MetricCard
            label="Failed-payment rate (30 days)"
            value={formatPercent(m.failedPaymentRate30d)}
            definition={d.failedPaymentRate30d}
            testId="metric-failed-payment-rate"
          />
        </dl>
        <p className="text-xs text-gray-600">{d.excluded}</p>
      </section>

      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="space-y-3 lg:col-span-2">
          <h2 className="text-lg font-semibold">Revenue by month</h2>
          <p className="text-xs text-gray-600">{d.revenueByMonth}</p>
          <RevenueChart data={m.revenueByMonth} currency={m.currency} />
          <details className="text-sm">
            <summary className="cursor-pointer font-medium">Figures</summary>
            <div className="mt-2">
              <DataTable caption="Revenue by month">
                <thead>
                  <tr>
                    <Th>Month</Th>
                    <Th className="text-right">Revenue</Th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-gray-100">
                  {m.revenueByMonth.map((row) => (
                    <tr key={row.month}>
                      <Td>{formatMonth(row.month)}</Td>
                      <Td className="text-right tabular-nums">{money(row.amount)}</Td>
                    </tr>
                  ))}
                </tbody>
              </DataTable>
            </div>
          </details>
        </Card>
        <Card className="space-y-3">
          <h2 className="text-lg font-semibold">Plan distribution</h2>
          <p className="text-xs text-gray-600">{d.planDistribution}</p>
          <PlanChart data={plans} />
        </Card>
      </div>
    </div>
  );
}
