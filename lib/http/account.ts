import "server-only";
import { getDb } from "@/db/client";
import { accountIdInput, resolveAccount, type AccountAccess, type AccountAction } from "@/lib/accounts/access";
import { z } from "zod";
import { parseInput } from "./route";

/** The parts of a route's context that say who is calling. */
interface Caller {
  user: { id: string };
  apiKeyId: string | null;
  apiKeyAccountId: string | null;
}

/**
 * The account a billing route acts on (lib/accounts/access.ts): `accountId` from the JSON body of a
 * POST, or from the query string of a GET (`requested` = the raw value; pass
 * `request.nextUrl.searchParams.get("accountId")`). Absent: the caller's personal account; not a
 * UUID: 400; not the caller's: 404; a member asking to `manage`: 403.
 */
export async function accountFor(ctx: Caller, requested: unknown, action: AccountAction): Promise<AccountAccess> {
  const accountId = parseInput({ accountId: requested ?? undefined }, z.object({ accountId: accountIdInput })).accountId;
  return resolveAccount(await getDb(), ctx, accountId, action);
}

/** `accountId` from a GET's query string. */
export const queryAccountId = (request: { nextUrl: URL }) => request.nextUrl.searchParams.get("accountId");

/** The body of a billing action that takes nothing but the account it acts on. */
export const accountBody = z.strictObject({ accountId: accountIdInput });
