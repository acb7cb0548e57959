import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui";

export const metadata: Metadata = { title: "Checkout canceled" };

/** Stripe's cancel_url: the customer left Checkout without paying. */
export default function CheckoutCanceledPage() {
  return (
    <div className="mx-auto max-w-xl">
      <Card className="space-y-4">
        <h1 className="text-2xl font-semibold">Checkout canceled — nothing was charged.</h1>
        <p className="text-gray-600">
          You left checkout before paying. Your plan has not changed. You can pick a plan again whenever you are ready.
        </p>
        <div className="flex flex-wrap gap-3">
          <Link href="/pricing" className="inline-flex rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            Back to pricing
          </Link>
          <Link
            href="/billing"
            className="inline-flex rounded-md border border-gray-300 bg-surface px-4 py-2 text-sm font-medium hover:bg-gray-100"
          >
            Go to billing
          </Link>
        </div>
      </Card>
    </div>
  );
}
