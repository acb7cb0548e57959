import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { ComparisonTable } from "@/components/pricing/comparison-table";
import { PricingPlans, type PricingViewer } from "@/components/pricing/pricing-plans";
import { getCurrentUser } from "@/lib/auth/session";
import { publicCatalog } from "@/lib/billing/catalog-view";
import type { BillingInterval } from "@/lib/billing/plans";
import { getBillingSummary, liveStripeSubscription } from "@/lib/billing/summary";

export const metadata: Metadata = { title: "Pricing" };
// Prices' availability comes from Stripe and the viewer's plan from the database: never cache.
export const dynamic = "force-dynamic";

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function PricingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const [catalog, user] = await Promise.all([publicCatalog(), getCurrentUser()]);

  let viewer: PricingViewer = { signedIn: false, currentPlanId: null, currentInterval: null, hasSubscription: false };
  if (user) {
    const [summary, live] = await Promise.all([getBillingSummary(user.id), getDb().then((db) => liveStripeSubscription(db, user.id))]);
    viewer = { signedIn: true, currentPlanId: summary.plan.id, currentInterval: summary.interval, hasSubscription: Boolean(live) };
  }
  // The query only pre-selects what the visitor picked before signing up; it decides nothing else.
  const interval: BillingInterval = one(params.interval) === "year" ? "year" : "month";
  const resumePlanId = one(params.plan) ?? null;

  return (
    <div className="space-y-12">
      <div className="space-y-3 text-center">
        <h1 className="text-4xl font-bold tracking-tight">Pricing</h1>
        <p className="mx-auto max-w-2xl text-lg text-gray-600">
          Start free. Upgrade when you need more, downgrade or cancel whenever you like.
        </p>
      </div>
      <PricingPlans
        plans={catalog.plans}
        meters={catalog.meters}
        features={catalog.features}
        paymentsEnabled={catalog.paymentsEnabled}
        viewer={viewer}
        initialInterval={interval}
        resumePlanId={resumePlanId}
        salesEmail={process.env.SALES_EMAIL || "sales@example.com"}
      />
      <ComparisonTable plans={catalog.plans} meters={catalog.meters} features={catalog.features} />
    </div>
  );
}
