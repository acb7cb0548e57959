import type { Metadata } from "next";
import Link from "next/link";
import { CheckoutStatus } from "@/components/billing/checkout-status";
import { Card } from "@/components/ui";
import { getSelectedAccountContext } from "@/lib/accounts/current";
import { requireUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Confirming your payment" };
export const dynamic = "force-dynamic";

export default async function CheckoutSuccessPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = (await searchParams).session_id;
  const sessionId = (Array.isArray(raw) ? raw[0] : raw) ?? "";
  const user = await requireUser(sessionId ? `/billing/success?session_id=${encodeURIComponent(sessionId)}` : "/billing/success");
  // Checkout was started for the selected account (the pricing page buys for it).
  const { current } = await getSelectedAccountContext(user);

  return (
    <div className="mx-auto max-w-xl">
      <Card>
        {sessionId ? (
          // The session id is only a key to look the checkout up; its status comes from the server.
          <CheckoutStatus sessionId={sessionId} accountId={current.id} />
        ) : (
          <div role="alert" className="space-y-4">
            <h1 className="text-2xl font-semibold">No checkout to confirm</h1>
            <p className="text-gray-600">This page needs a checkout session from Stripe. Your billing page shows your current plan.</p>
            <Link
              href="/billing"
              className="inline-flex rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
            >
              Go to billing
            </Link>
          </div>
        )}
      </Card>
    </div>
  );
}
