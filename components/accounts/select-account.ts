import { ACCOUNT_COOKIE, ACCOUNT_COOKIE_MAX_AGE } from "@/lib/accounts/selection";
import type { AccountChoice, AccountContext } from "@/lib/accounts/current";

export type { AccountChoice, AccountContext };

/** Dispatched on `window` after the selected account changes, for parts of a page rendered in the browser. */
export const ACCOUNT_CHANGED_EVENT = "account-changed";

/**
 * Makes `accountId` the selected account (the `account` cookie, lib/accounts/selection.ts). The
 * server re-checks it on every read, so a wrong id only ever selects the personal account.
 */
export function selectAccount(accountId: string) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${ACCOUNT_COOKIE}=${encodeURIComponent(accountId)}; Path=/; Max-Age=${ACCOUNT_COOKIE_MAX_AGE}; SameSite=Lax${secure}`;
  window.dispatchEvent(new Event(ACCOUNT_CHANGED_EVENT));
}

/** How an account is named in the switcher: "Personal" for the user's own, the organization's name otherwise. */
export const accountLabel = (account: Pick<AccountChoice, "kind" | "name">) => (account.kind === "personal" ? "Personal" : account.name);

/** "Personal account" or the role ("Owner", "Admin", "Member"). */
export const accountDetail = (account: Pick<AccountChoice, "kind" | "role">) =>
  account.kind === "personal" ? "Your own account" : account.role[0].toUpperCase() + account.role.slice(1);
