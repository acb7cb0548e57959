import "server-only";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { getDb, type Queryable } from "@/db/client";
import { exactTimestamp } from "@/db/exact-timestamp";
import { apiKeys, memberships, subscriptions, users, type ApiKey } from "@/db/schema";
import { plansWithFeature, requireFeature } from "@/lib/billing/features";
import { cachedEntitlement, loadCachedEntitlement } from "@/lib/billing/metering/context";
import { upgradeUrl } from "@/lib/billing/metering/quota-error";
import { getPlan } from "@/lib/billing/plans";
import { AppError, badRequest, notFound, unauthorized } from "@/lib/errors";
import { effectiveRole } from "./roles";
import type { SessionUser } from "./session";
import { isUuid } from "@/lib/input-rules";

/**
 * API keys for other services: `nsb_` + 32 random bytes (base64url). Only the SHA-256 of a key is
 * stored; its first 12 characters (the prefix) find the row, and the hash is then compared in
 * constant time. A key belongs to an account (personal or organization), acts only for it, and only
 * while the account's plan includes API access: a key is created only on such a plan, and a key of an account that lost the
 * feature (a downgrade, a cancellation) is refused with 401 `api_access_not_in_plan` until the
 * account has it again; the key itself is kept.
 */
export const API_KEY_PREFIX = "nsb_";
const PREFIX_LENGTH = 12;
export const MAX_KEYS_PER_USER = 25;

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

const view = (k: ApiKey): ApiKeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  expiresAt: k.expiresAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

/**
 * Creates a key; the full key is in the answer and nowhere else, ever. 403 `feature_not_in_plan`
 * unless the plan in force includes API access.
 */
export async function createApiKey(
  accountId: string,
  createdBy: string,
  input: { name: string; expiresAt?: Date | null },
  now = new Date(),
): Promise<ApiKeyView & { key: string }> {
  if (input.expiresAt && input.expiresAt <= now) throw badRequest("expiresAt must be in the future.", { field: "expiresAt" });
  await requireFeature(accountId, "apiAccess", now);
  const db = await getDb();
  const [{ count }] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(apiKeys)
    .where(and(eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)));
  if (Number(count) >= MAX_KEYS_PER_USER)
    throw badRequest(`At most ${MAX_KEYS_PER_USER} active API keys; revoke one first.`, { field: "name" });
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const [row] = await db
    .insert(apiKeys)
    .values({
      accountId,
      createdBy,
      name: input.name,
      prefix: key.slice(0, PREFIX_LENGTH),
      keyHash: sha256(key),
      expiresAt: input.expiresAt ?? null,
    })
    .returning();
  return { ...view(row), key };
}

/** The account's keys that are not revoked, newest first, without the keys themselves. */
export async function listApiKeys(accountId: string): Promise<ApiKeyView[]> {
  const db = await getDb();
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(view);
}

/** Revokes one of the account's keys; another account's key id is "not found", exactly like an unknown one. */
export async function revokeApiKey(accountId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw notFound("No such API key.");
  const db = await getDb();
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (!row) throw notFound("No such API key.");
}

export interface ApiKeyPrincipal {
  /** Who the key acts as: its creator while still a member of the account, else one of its owners. */
  user: SessionUser;
  apiKeyId: string;
  /** The account the key belongs to and acts for. */
  apiKeyAccountId: string;
}

/**
 * Whether the owner's plan includes API access, from the per-process entitlement cache when its
 * guard holds: the key lookup read the owner's newest subscription update in the same statement,
 * and an entry built from an older one is reloaded (one more read, only then).
 */
async function assertApiAccess(db: Queryable, accountId: string, newestSubscriptionUpdate: string | null): Promise<void> {
  const cached = cachedEntitlement(accountId);
  const entry = cached && cached.newestUpdate === newestSubscriptionUpdate ? cached : await loadCachedEntitlement(db, accountId);
  const { plan, features } = entry.entitlement;
  if (features.apiAccess) return;
  const plans = plansWithFeature("apiAccess");
  const names = new Intl.ListFormat("en", { type: "disjunction" }).format(plans.map((id) => getPlan(id).name));
  throw new AppError(
    "api_access_not_in_plan",
    `API access is not included in the ${plan.name} plan, so this key is paused (not revoked): it works again once the account is on ${names}.`,
    { plan: plan.id, plans, upgradeUrl: upgradeUrl(plan.id) },
  );
}

/**
 * The owner of a presented key: 401 for unknown, revoked or expired keys, and 401
 * `api_access_not_in_plan` while the owner's plan does not include API access.
 */
export async function authenticateApiKey(presented: string, now = new Date()): Promise<ApiKeyPrincipal> {
  const invalid = () => unauthorized("The API key is invalid, revoked or expired.");
  if (!presented.startsWith(API_KEY_PREFIX) || presented.length < PREFIX_LENGTH + 8 || presented.length > 200) throw invalid();
  const db = await getDb();
  const candidates = await db
    .select({
      key: apiKeys,
      user: users,
      // What the entitlement cache guard compares (lib/billing/metering/context.ts), read in the same round trip.
      newestSubscriptionUpdate: sql<
        string | null
      >`(select max(${exactTimestamp(subscriptions.updatedAt)}) from ${subscriptions} where ${subscriptions.accountId} = ${apiKeys.accountId})`,
    })
    .from(apiKeys)
    // The member the key acts as: its creator while still a member, else the account's first owner.
    .innerJoin(
      users,
      sql`${users.id} = (select m.user_id from ${memberships} m where m.account_id = ${apiKeys.accountId}
        order by (m.user_id = ${apiKeys.createdBy}) desc, (m.role = 'owner') desc, m.created_at limit 1)`,
    )
    .where(eq(apiKeys.prefix, presented.slice(0, PREFIX_LENGTH)));
  const presentedHash = Buffer.from(sha256(presented), "hex");
  const match = candidates.find((c) => timingSafeEqual(Buffer.from(c.key.keyHash, "hex"), presentedHash));
  if (!match || match.key.revokedAt || (match.key.expiresAt && match.key.expiresAt <= now)) throw invalid();
  await assertApiAccess(db, match.key.accountId, match.newestSubscriptionUpdate);
  // Last-used time at minute resolution keeps the hot path from writing on every request.
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, match.key.id),
        sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < ${new Date(now.getTime() - 60_000).toISOString()}::timestamptz)`,
      ),
    );
  const { user } = match;
  return {
    user: { id: user.id, email: user.email, name: user.name, role: effectiveRole(user), emailVerified: Boolean(user.emailVerifiedAt) },
    apiKeyId: match.key.id,
    apiKeyAccountId: match.key.accountId,
  };
}
