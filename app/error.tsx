"use client";

import { useRouter } from "next/navigation";
import { startTransition } from "react";
import { SupportContact, useSupportEmail } from "@/components/support-email";

/**
 * What a page shows when it cannot be rendered, most often because the database or Stripe is
 * briefly unreachable (the APIs answer 503 `database_unavailable` / `payments_unavailable` then).
 * Nothing about the failure is shown; retrying re-renders the page on the server.
 */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const email = useSupportEmail();
  return (
    <div role="alert" data-testid="page-error" className="mx-auto max-w-md space-y-4 text-center">
      <h1 className="text-2xl font-semibold">We can&apos;t load this page right now</h1>
      <p className="text-gray-600">
        A service we depend on is temporarily unavailable. Nothing you did caused this, and nothing was lost. Please try again in a moment.
      </p>
      <button
        type="button"
        className="inline-flex rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
        onClick={() =>
          startTransition(() => {
            router.refresh();
            reset();
          })
        }
      >
        Try again
      </button>
      <SupportContact email={email} lead="Still not working?" />
      {error.digest && <p className="text-xs text-gray-500">Reference: {error.digest}</p>}
    </div>
  );
}
