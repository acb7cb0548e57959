import type { Metadata } from "next";
import Link from "next/link";
import { SupportContact } from "@/components/support-email";
import { supportEmail } from "@/lib/support";

export const metadata: Metadata = { title: "Page not found" };

/** Unknown URLs (and notFound() calls): the app's own 404, like its 403 and error pages. */
export default function NotFound() {
  return (
    <div data-testid="not-found" className="mx-auto max-w-md space-y-4 text-center">
      <h1 className="text-2xl font-semibold">404 — Page not found</h1>
      <p className="text-gray-600">There is no page at this address. It may have moved, or the link may be mistyped.</p>
      <Link href="/" className="text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300">
        Back to the home page
      </Link>
      <SupportContact email={supportEmail()} lead="Looking for something about your bill?" />
    </div>
  );
}
