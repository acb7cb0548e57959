import type { Metadata } from "next";
import { ComparisonTable } from "@/components/pricing/comparison-table";
import { VisitorPricing } from "@/components/pricing/visitor-pricing";
import { publicCatalog } from "@/lib/billing/catalog-view";

export const metadata: Metadata = {
  title: "Pricing",
  description: "Plans for Acme SaaS: start free, upgrade when you need more, monthly or yearly.",
};
// The catalog is code, so the HTML is the same for every visitor: render it statically and let a
// CDN cache it. Which prices Stripe currently sells is refreshed every 5 minutes.
export const revalidate = 300;

export default async function PricingPage() {
  const catalog = await publicCatalog();
  return (
    <div className="space-y-12">
      <div className="space-y-3 text-center">
        <h1 className="text-4xl font-bold tracking-tight">Pricing</h1>
        <p className="mx-auto max-w-2xl text-lg text-gray-600">
          Start free. Upgrade when you need more, downgrade or cancel whenever you like.
        </p>
      </div>
      <VisitorPricing
        plans={catalog.plans}
        meters={catalog.meters}
        features={catalog.features}
        paymentsEnabled={catalog.paymentsEnabled}
        salesEmail={process.env.SALES_EMAIL || "sales@example.com"}
      />
      <ComparisonTable plans={catalog.plans} meters={catalog.meters} features={catalog.features} />
    </div>
  );
}
