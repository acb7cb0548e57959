import Link from "next/link";
import { getCurrentUser } from "@/lib/auth/session";
import { SignOutButton } from "./sign-out-button";

export async function SiteHeader() {
  const user = await getCurrentUser();
  return (
    <header className="border-b border-gray-200 bg-surface">
      <div className="mx-auto flex min-h-16 max-w-6xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/" className="whitespace-nowrap text-lg font-semibold text-brand-700 dark:text-brand-300">
          Acme SaaS
        </Link>
        <nav className="flex flex-wrap items-center gap-x-5 gap-y-2 text-sm" aria-label="Main">
          <Link href="/pricing" className="hover:text-brand-600 dark:hover:text-brand-300">
            Pricing
          </Link>
          {user ? (
            <>
              <Link href="/billing" className="hover:text-brand-600 dark:hover:text-brand-300">
                Billing
              </Link>
              {user.role === "admin" && (
                <Link href="/admin" className="hover:text-brand-600 dark:hover:text-brand-300">
                  Admin
                </Link>
              )}
              <span data-testid="signed-in-user" className="max-w-[14rem] truncate text-gray-600">
                {user.email}
              </span>
              <SignOutButton />
            </>
          ) : (
            <>
              <Link href="/sign-in" className="hover:text-brand-600 dark:hover:text-brand-300">
                Sign in
              </Link>
              <Link href="/sign-up" className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700">
                Sign up
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
