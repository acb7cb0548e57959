import "server-only";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { accounts, memberships, type AccountKind, type MembershipRole } from "@/db/schema";
import { forbidden, notFound } from "@/lib/errors";

/**
 * What a caller wants to do with an account:
 * - `use`: see its plan, seats and usage, and use the product (consume quota) — every member;
 * - `manage`: billing (checkout, portal, plan changes, cancel, resume, invoices, API keys) and
 *   members — owners and admins only.
 */
export type AccountAction = "use" | "manage";

export const ROLES_THAT_MANAGE: readonly MembershipRole[] = ["owner", "admin"];

export const canManage = (role: MembershipRole) => ROLES_THAT_MANAGE.includes(role);

/** The account a request acts on, and the caller's role in it. */
export interface AccountAccess {
  accountId: string;
  kind: AccountKind;
  name: string;
  /** The caller's role; an API key acts with its account's `admin` rights for `use` only. */
  role: MembershipRole;
}

/** `accountId` as a body field or query parameter: optional, a UUID when given. */
export const accountIdInput = z.uuid("accountId must be an account id.").optional();

/** Who is asking: a signed-in user, or an API key (which acts for the account it was created for). */
export interface AccountCaller {
  user: { id: string };
  apiKeyId: string | null;
  /** The account of the API key, when the call came with one. */
  apiKeyAccountId?: string | null;
}

/**
 * The account a request acts on: the one named (`accountId`), or the caller's personal account
 * when none is named. An account the caller is not a member of is a 404 `not_found` (whether it
 * exists is not the caller's business); a member without the rights for `manage` gets 403
 * `forbidden`. An API key acts only for its own account (any other is a 404), and only to `use` it.
 */
export async function resolveAccount(
  db: Queryable,
  caller: AccountCaller,
  requestedAccountId: string | null | undefined,
  action: AccountAction,
): Promise<AccountAccess> {
  if (caller.apiKeyId && caller.apiKeyAccountId) {
    if (requestedAccountId && requestedAccountId !== caller.apiKeyAccountId) throw notFound("No such account.");
    if (action === "manage") throw forbidden("API keys can use an account, not manage its billing.");
    const [account] = await db.select().from(accounts).where(eq(accounts.id, caller.apiKeyAccountId)).limit(1);
    if (!account) throw notFound("No such account.");
    return { accountId: account.id, kind: account.kind, name: account.name, role: "member" };
  }
  // A personal account's id is its user's id (db/migrations/0011_accounts.sql).
  const accountId = requestedAccountId ?? caller.user.id;
  const [row] = await db
    .select({ id: accounts.id, kind: accounts.kind, name: accounts.name, role: memberships.role })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, caller.user.id)))
    .limit(1);
  if (!row) throw notFound("No such account.");
  if (action === "manage" && !canManage(row.role)) {
    throw forbidden("Only the owners and admins of this organization can manage its billing.");
  }
  return { accountId: row.id, kind: row.kind, name: row.name, role: row.role };
}
