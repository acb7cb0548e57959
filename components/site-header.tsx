import Link from "next/link";
import { HeaderAccount } from "./header-account";
import { UsageAlertBanner } from "./usage/usage-alert-banner";

/** Static on the server (no cookies read), so it never makes a page dynamic; the account part is client-side. */
export function SiteHeader() {
  return (
    <header className="border-b border-gray-200 bg-surface">
      <div className="relative mx-auto flex min-h-16 max-w-6xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/" className="whitespace-nowrap text-lg font-semibold text-brand-700 dark:text-brand-300">
          Acme SaaS
        </Link>
        <nav className="flex min-w-0 flex-wrap items-center gap-x-5 gap-y-2 text-sm" aria-label="Main">
          <Link href="/pricing" className="hover:text-brand-600 dark:hover:text-brand-300">
            Pricing
          </Link>
          <Link href="/dashboard" className="hover:text-brand-600 dark:hover:text-brand-300">
            Dashboard
          </Link>
          <HeaderAccount />
        </nav>
      </div>
      <UsageAlertBanner />
    </header>
  );
}
