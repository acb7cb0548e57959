"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { NewOrganizationForm } from "./new-organization-form";
import { accountDetail, accountLabel, selectAccount, type AccountChoice, type AccountContext } from "./select-account";

/**
 * The header's account switcher: a disclosure listing the personal account and each organization
 * (the selected one marked), a link to the organization's settings, and "New organization".
 * Choosing an account sets the `account` cookie and re-renders the page for it.
 */
export function AccountSwitcher({ context, onChange }: { context: AccountContext; onChange: (next: AccountContext) => void }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const { current, accounts } = context;

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panelRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  function choose(account: AccountChoice, then?: string) {
    selectAccount(account.id);
    onChange({ current: account, accounts: accounts.some((a) => a.id === account.id) ? accounts : [...accounts, account] });
    setOpen(false);
    if (then) router.push(then);
    router.refresh();
  }

  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        data-testid="account-switcher"
        className="inline-flex max-w-[12rem] items-center gap-1 rounded-md border border-gray-300 px-3 py-1.5 hover:bg-gray-100"
      >
        <span className="sr-only">Switch account, current: </span>
        <span className="truncate" data-testid="current-account">
          {accountLabel(current)}
        </span>
        <span aria-hidden="true" className="text-xs text-gray-600">
          ▾
        </span>
      </button>
      {/* Positioned against the header row (site-header.tsx), so it fits a 375 px phone wherever the button wraps to. */}
      <div
        ref={panelRef}
        id={panelId}
        hidden={!open}
        className="absolute inset-x-4 top-full z-30 mt-1 space-y-4 rounded-lg border border-gray-200 bg-surface p-4 shadow-lg sm:left-auto sm:w-80"
      >
        <ul aria-label="Accounts" className="space-y-1">
          {accounts.map((account) => {
            const selected = account.id === current.id;
            return (
              <li key={account.id}>
                <button
                  type="button"
                  aria-current={selected ? "true" : undefined}
                  onClick={() => choose(account)}
                  className="flex w-full items-center justify-between gap-3 rounded-md px-3 py-2 text-left hover:bg-gray-100 aria-[current]:bg-brand-50"
                >
                  <span className="min-w-0">
                    <span className="block truncate font-medium">{accountLabel(account)}</span>
                    <span className="block text-xs text-gray-600">{accountDetail(account)}</span>
                  </span>
                  {selected && (
                    <span aria-hidden="true" className="text-brand-700 dark:text-brand-300">
                      ✓
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
        <Link
          href="/settings/organization"
          onClick={() => setOpen(false)}
          className="block text-sm font-medium text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300"
        >
          {current.kind === "organization" ? "Organization settings" : "Organizations"}
        </Link>
        <NewOrganizationForm
          compact
          onCreated={(org) => choose({ ...org, kind: "organization", canManage: true }, "/settings/organization")}
        />
      </div>
    </>
  );
}
