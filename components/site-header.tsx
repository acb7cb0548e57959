import Link from "next/link";
import { isDatabaseUnavailable } from "@/db/errors";
import { getCurrentUser } from "@/lib/auth/session";
import { SignOutButton } from "./sign-out-button";

export async function SiteHeader() {
  // The header must render even when the database is down, so the page below can say what is wrong.
  const user = await getCurrentUser().catch((error: unknown) => {
    if (isDatabaseUnavailable(error)) return null;
    throw error;
  });
  return (
    <header className="border-b border-gray-200 bg-white">
      <div className="mx-auto flex h-16 max-w-6xl items-center justify-between px-4">
        <Link href="/" className="text-lg font-semibold text-brand-700">
          Acme SaaS
        </Link>
        <nav className="flex items-center gap-5 text-sm" aria-label="Main">
          <Link href="/pricing" className="hover:text-brand-600">
            Pricing
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
              <span data-testid="signed-in-user" className="text-gray-600">
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
