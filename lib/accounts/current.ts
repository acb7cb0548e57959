import "server-only";
import { asc, eq, sql } from "drizzle-orm";
import { cookies } from "next/headers";
import { getDb } from "@/db/client";
import { accounts, memberships, type AccountKind, type MembershipRole } from "@/db/schema";
import { canManage } from "./access";
import { ACCOUNT_COOKIE } from "./selection";

/** An account the user may act for, and the user's role in it. */
export interface AccountChoice {
  id: string;
  kind: AccountKind;
  name: string;
  role: MembershipRole;
  /** Owners and admins manage billing and members; members use the product. */
  canManage: boolean;
}

export interface AccountContext {
  /** The selected account, or the personal account when none (or one the user is not in) is selected. */
  current: AccountChoice;
  /** The personal account first, then each organization by name. */
  accounts: AccountChoice[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The accounts `user` belongs to and the one they act for, in one query. `selectedId` (the
 * `account` cookie, lib/accounts/selection.ts) is a preference from the browser: an id that is not
 * one of the user's accounts (stale after leaving an organization, forged, malformed) falls back to
 * the personal account, whose id is the user's id.
 */
export async function getAccountContext(
  user: { id: string; email: string; name?: string | null },
  selectedId: string | null | undefined,
): Promise<AccountContext> {
  const db = await getDb();
  const rows = await db
    .select({ id: accounts.id, kind: accounts.kind, name: accounts.name, role: memberships.role })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(eq(memberships.userId, user.id))
    .orderBy(sql`${accounts.kind} = 'personal' desc`, asc(accounts.name), asc(accounts.id));
  const choices: AccountChoice[] = rows.map((row) => ({ ...row, canManage: canManage(row.role) }));
  // The personal account is created with the user (a trigger); were it missing, the user still acts as themself.
  const personal = choices.find((a) => a.kind === "personal" && a.id === user.id) ?? {
    id: user.id,
    kind: "personal" as const,
    name: user.name || user.email,
    role: "owner" as const,
    canManage: true,
  };
  const all = choices.some((a) => a.id === personal.id) ? choices : [personal, ...choices];
  const selected = selectedId && UUID.test(selectedId) ? all.find((a) => a.id === selectedId.toLowerCase()) : undefined;
  return { current: selected ?? personal, accounts: all };
}

/** For pages: the signed-in user's account context, from the `account` cookie of this request. */
export async function getSelectedAccountContext(user: { id: string; email: string; name?: string | null }): Promise<AccountContext> {
  return getAccountContext(user, (await cookies()).get(ACCOUNT_COOKIE)?.value);
}
