import Link from "next/link";
import { getCurrentUser } from "@/lib/auth/session";
import { SignOutButton } from "./sign-out-button";

export async function SiteHeader() {
  const user = await getCurrentUser();
  return (
    <header className="border-b border-gray-200 bg-white">
      <div className="mx-auto flex min-h-16 max-w-6xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/" className="text-lg font-semibold text-brand-700">
          Acme SaaS
        </Link>
        <nav className="flex min-w-0 flex-wrap items-center gap-x-5 gap-y-2 text-sm" aria-label="Main">
          <Link href="/pricing" className="hover:text-brand-600">
            Pricing
          </Link>
          <Link href="/dashboard" className="hover:text-brand-600">
            Dashboard
          </Link>
          {user ? (
            <>
              <Link href="/billing" className="hover:text-brand-600">
                Billing
              </Link>
              {user.role === "admin" && (
                <Link href="/admin" className="hover:text-brand-600">
                  Admin
                </Link>
              )}
              <span data-testid="signed-in-user" title={user.email} className="max-w-56 truncate text-gray-600 sm:max-w-xs">
                {user.email}
              </span>
              <SignOutButton />
            </>
          ) : (
            <>
              <Link href="/sign-in" className="hover:text-brand-600">
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
