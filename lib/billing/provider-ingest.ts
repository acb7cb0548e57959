import "server-only";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { DATE_RANGE_MESSAGE, isDateInRange } from "@/lib/input-rules";
import { getDb } from "@/db/client";
import { accounts, auditLog, subscriptions } from "@/db/schema";
import { excludedSet } from "@/db/upsert";
import { notFound } from "@/lib/errors";
import { PLANS } from "./plans";
import { lockTrackedState, recordSubscriptionChanges } from "./subscription-history";
import { getBillingSummary, type BillingSummary } from "./summary";
import { keepFirstPastDueSince } from "./stripe-pull";
import { SUBSCRIPTION_STATUS, SUBSCRIPTION_STATUSES, type SubscriptionStatus } from "./subscription-status";

/** Every status but `incomplete_expired`, which only Stripe's first-payment flow reaches. */
const PROVIDER_STATUSES = SUBSCRIPTION_STATUSES.filter((s) => s !== SUBSCRIPTION_STATUS.incomplete_expired) as [
  SubscriptionStatus,
  ...SubscriptionStatus[],
];

export const providerSubscriptionInput = z
  .object({
    /** The account the subscription belongs to. */
    accountId: z.uuid("accountId must be an account id").optional(),
    /** Before accounts existed: a user id, which names that user's personal account (the same id). */
    userId: z.uuid("userId must be a user id").optional(),
    plan: z.enum(PLANS.map((p) => p.id) as [string, ...string[]], { message: "plan must be a plan id from the catalog" }),
    status: z.enum(PROVIDER_STATUSES),
    provider: z
      .string()
      .trim()
      .regex(/^[a-z0-9_-]{2,32}$/, "provider must be a short lower-case name")
      .refine((p) => p !== "stripe", "Stripe subscriptions are synced from Stripe itself"),
    externalId: z.string().trim().min(1).max(200),
    currentPeriodEnd: z.iso
      .datetime({ offset: true })
      .refine((d) => isDateInRange(d), DATE_RANGE_MESSAGE)
      .optional(),
  })
  .refine((input) => input.accountId || input.userId, { message: "accountId is required", path: ["accountId"] })
  .transform(({ userId, accountId, ...rest }) => ({ ...rest, accountId: (accountId ?? userId) as string }));

/**
 * Ingest: lets any payment provider's webhook (Paddle, Razorpay, an admin grant…) set an account's
 * subscription. The same entitlement rules then apply as for Stripe subscriptions.
 */
export async function ingestProviderSubscription(input: z.output<typeof providerSubscriptionInput>): Promise<BillingSummary> {
  const db = await getDb();
  const [account] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, input.accountId)).limit(1);
  if (!account) throw notFound("No account with that id.");
  const now = new Date();
  await db.transaction(async (tx) => {
    const before = await lockTrackedState(tx, input.provider, input.externalId);
    const [row] = await tx
      .insert(subscriptions)
      .values({
        accountId: input.accountId,
        provider: input.provider,
        providerSubscriptionId: input.externalId,
        status: input.status,
        planId: input.plan,
        currentPeriodEnd: input.currentPeriodEnd ? new Date(input.currentPeriodEnd) : null,
        pastDueSince: input.status === SUBSCRIPTION_STATUS.past_due ? now : null,
        canceledAt: input.status === SUBSCRIPTION_STATUS.canceled ? now : null,
        sourceVersion: now.getTime(),
      })
      .onConflictDoUpdate({
        target: [subscriptions.provider, subscriptions.providerSubscriptionId],
        set: {
          ...excludedSet(subscriptions, ["accountId", "status", "planId", "currentPeriodEnd", "canceledAt", "sourceVersion"]),
          pastDueSince: keepFirstPastDueSince,
          updatedAt: sql`now()`,
        },
      })
      .returning();
    await recordSubscriptionChanges(tx, before, row, now);
    await tx.insert(auditLog).values({
      action: "subscription.provider_sync",
      targetType: "account",
      targetId: input.accountId,
      data: { ...input },
    });
  });
  return getBillingSummary(input.accountId);
}
