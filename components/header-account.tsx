"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { AccountSwitcher } from "./accounts/account-switcher";
import type { AccountContext } from "./accounts/select-account";
import { ACCOUNT_CHANGED_EVENT } from "./accounts/select-account";
import { hasSession } from "./session-probe";
import { SignOutButton } from "./sign-out-button";

interface Me {
  email: string;
  role: "user" | "admin";
  /** The accounts the user acts for and the selected one (the `account` cookie, re-checked by the server). */
  accounts: AccountContext;
}

/**
 * The signed-in part of the header, filled in by the browser from /api/me, so that pages whose
 * content does not depend on the visitor (the pricing page) can be rendered once and cached.
 */
export function HeaderAccount() {
  const pathname = usePathname();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  // Read again when another part of the page selects an account (the pricing page, an accepted invitation).
  const [accountVersion, setAccountVersion] = useState(0);
  useEffect(() => {
    const onChange = () => setAccountVersion((v) => v + 1);
    window.addEventListener(ACCOUNT_CHANGED_EVENT, onChange);
    return () => window.removeEventListener(ACCOUNT_CHANGED_EVENT, onChange);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    hasSession(controller.signal)
      .then(async (signedIn) => {
        if (!signedIn) return setMe(null);
        // The role comes from /api/me, which re-reads the user (the session token may be older).
        const res = await fetch("/api/me", { cache: "no-store", signal: controller.signal, headers: { accept: "application/json" } });
        if (!res.ok) return setMe(null);
        const body = (await res.json()) as { user: Omit<Me, "accounts">; accounts: AccountContext };
        setMe({ ...body.user, accounts: body.accounts });
      })
      .catch((error: unknown) => {
        if (!(error instanceof DOMException && error.name === "AbortError")) setMe(null);
      });
    return () => controller.abort();
  }, [pathname, accountVersion]);

  // Until the browser knows, reserve the space of the signed-out links and show nothing (no
  // signed-out flash for members): a narrow phone's header then wraps the same way before and
  // after, so the page below does not shift.
  if (me === undefined) return <span className="inline-block h-8 w-36" aria-hidden="true" />;
  if (me === null) {
    return (
      <>
        <Link href="/sign-in" className="hover:text-brand-600 dark:hover:text-brand-300">
          Sign in
        </Link>
        <Link href="/sign-up" className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700">
          Sign up
        </Link>
      </>
    );
  }
  return (
    <>
      <Link href="/billing" className="hover:text-brand-600 dark:hover:text-brand-300">
        Billing
      </Link>
      {me.role === "admin" && (
        <Link href="/admin" className="hover:text-brand-600 dark:hover:text-brand-300">
          Admin
        </Link>
      )}
      <AccountSwitcher context={me.accounts} onChange={(accounts) => setMe({ ...me, accounts })} />
      <span data-testid="signed-in-user" className="max-w-[14rem] truncate text-gray-600">
        {me.email}
      </span>
      <SignOutButton />
    </>
  );
}
