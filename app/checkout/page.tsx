import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { orNotFound } from "@/app/admin/or-not-found";
import { EmbeddedCheckout } from "@/components/billing/embedded-checkout";
import { Card } from "@/components/ui";
import { getSelectedAccountContext } from "@/lib/accounts/current";
import { requireUser } from "@/lib/auth/session";
import { embeddedCheckoutPath, embeddedCheckoutView } from "@/lib/billing/embedded-checkout";

export const metadata: Metadata = { title: "Checkout" };
export const dynamic = "force-dynamic";

/**
 * Embedded Checkout: Stripe's Checkout for a session started by POST /api/billing/checkout with `ui: "embedded"`,
 * mounted on this page by Stripe.js (the emulator's stand-in offline). Paying returns to /billing/success like
 * the hosted page does. The CSP of this page, and of no other, allows Stripe's origins (proxy.ts).
 */
export default async function CheckoutPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = (await searchParams).session;
  const sessionId = (Array.isArray(raw) ? raw[0] : raw) ?? "";
  const user = await requireUser(sessionId ? embeddedCheckoutPath(sessionId) : "/checkout");
  if (!sessionId) redirect("/pricing");
  // Checkout was started for the selected account (the pricing page buys for it).
  const { current } = await getSelectedAccountContext(user);
  const view = await orNotFound(embeddedCheckoutView(current.id, sessionId));
  if (view.state === "complete") redirect(view.successPath);
  if (view.state === "hosted") redirect(view.url);

  return (
    <div className="mx-auto max-w-4xl space-y-4">
      <h1 className="text-2xl font-semibold">Checkout</h1>
      {view.state === "open" ? (
        <EmbeddedCheckout
          clientSecret={view.clientSecret}
          publishableKey={view.client.publishableKey}
          stripeJsUrl={view.client.stripeJsUrl}
        />
      ) : (
        <Card>
          <div role="alert" className="space-y-4" data-testid="checkout-expired">
            <p className="text-gray-600">This checkout has expired, and nothing was charged. Choose a plan again to start a new one.</p>
            <Link
              href="/pricing"
              className="inline-flex rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
            >
              Back to pricing
            </Link>
          </div>
        </Card>
      )}
    </div>
  );
}
