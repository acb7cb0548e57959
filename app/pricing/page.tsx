import { env } from "@/env";
import type { Metadata } from "next";
import { ComparisonTable } from "@/components/pricing/comparison-table";
import { VisitorPricing } from "@/components/pricing/visitor-pricing";
import { publicCatalog } from "@/lib/billing/catalog-view";
import { pricingOffer } from "@/lib/billing/promotions";

export const metadata: Metadata = {
  title: "Pricing",
  description: "Plans for Acme SaaS: start free, upgrade when you need more, monthly or yearly.",
};
// The catalog is code, so the HTML is the same for every visitor (the signed-in part of the header
// and the current plan are filled in by the browser). It is still rendered per request, because the
// root layout opts every page into that so Next can put the response's CSP nonce (proxy.ts) on its
// scripts; which prices Stripe sells is read from a 5-minute cache.
export const revalidate = 300;

export default async function PricingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const promo = (await searchParams).promo;
  // A launch offer (the catalog's, or `?promo=CODE`), checked in Stripe before it is shown and carried into Checkout.
  const [catalog, offer] = await Promise.all([publicCatalog(), pricingOffer(typeof promo === "string" ? promo : null)]);
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
        offer={offer}
        salesEmail={env.SALES_EMAIL || "sales@example.com"}
      />
      <ComparisonTable plans={catalog.plans} meters={catalog.meters} features={catalog.features} />
    </div>
  );
}
