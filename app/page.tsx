import Link from "next/link";

export default function HomePage() {
  return (
    <div className="space-y-6 py-12 text-center">
      <h1 className="text-4xl font-bold tracking-tight">Ship your product. Billing is handled.</h1>
      <p className="mx-auto max-w-2xl text-lg text-gray-600">
        Plans, Stripe Checkout, subscriptions, usage quotas and invoices — ready in your Next.js app.
      </p>
      <div className="flex justify-center gap-4">
        <Link href="/pricing" className="rounded-md bg-brand-600 px-5 py-2.5 font-medium text-white hover:bg-brand-700">
          See pricing
        </Link>
        <Link href="/billing" className="rounded-md border border-gray-300 px-5 py-2.5 font-medium hover:bg-gray-100">
          Your billing
        </Link>
      </div>
    </div>
  );
}
