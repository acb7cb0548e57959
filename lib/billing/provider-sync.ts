import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { DATE_RANGE_MESSAGE, isDateInRange } from "@/lib/input-rules";
import { getDb } from "@/db/client";
import { auditLog, subscriptions, users } from "@/db/schema";
import { excludedSet } from "@/db/upsert";
import { notFound } from "@/lib/errors";
import { PLANS } from "./plans";
import { lockTrackedState, recordSubscriptionChanges } from "./subscription-history";
import { getBillingSummary, type BillingSummary } from "./summary";
import { keepFirstPastDueSince } from "./sync";

const PROVIDER_STATUSES = ["trialing", "active", "past_due", "canceled", "unpaid", "incomplete", "paused"] as const;

export const providerSyncInput = z.object({
  userId: z.uuid("userId must be a user id"),
  plan: z.enum(PLANS.map((p) => p.id) as [string, ...string[]], { message: "plan must be a plan id from the catalog" }),
  status: z.enum(PROVIDER_STATUSES),
  provider: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{2,32}$/, "provider must be a short lower-case name")
    .refine((p) => p !== "stripe", "Stripe subscriptions are synced from Stripe itself"),
  externalId: z.string().trim().min(1).max(200),
  currentPeriodEnd: z.iso.datetime({ offset: true }).refine((d) => isDateInRange(d), DATE_RANGE_MESSAGE).optional(),
});

/**
 * Lets any payment provider's webhook (Paddle, Razorpay, an admin grant…) set a user's
 * subscription. The same entitlement rules then apply as for Stripe subscriptions.
 */
export async function syncProviderSubscription(input: z.infer<typeof providerSyncInput>): Promise<BillingSummary> {
  const db = await getDb();
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, input.userId)).limit(1);
  if (!user) throw notFound("No user with that id.");
  const now = new Date();
  await db.transaction(async (tx) => {
    const before = await lockTrackedState(tx, input.provider, input.externalId);
    const [row] = await tx
      .insert(subscriptions)
      .values({
        userId: input.userId,
        provider: input.provider,
        providerSubscriptionId: input.externalId,
        status: input.status,
        planId: input.plan,
        currentPeriodEnd: input.currentPeriodEnd ? new Date(input.currentPeriodEnd) : null,
        pastDueSince: input.status === "past_due" ? now : null,
        canceledAt: input.status === "canceled" ? now : null,
        sourceVersion: now.getTime(),
      })
      .onConflictDoUpdate({
        target: [subscriptions.provider, subscriptions.providerSubscriptionId],
        set: {
          ...excludedSet(subscriptions, ["userId", "status", "planId", "currentPeriodEnd", "canceledAt", "sourceVersion"]),
          pastDueSince: keepFirstPastDueSince,
          updatedAt: sql`now()`,
        },
      })
      .returning();
    await recordSubscriptionChanges(tx, before, row, now);
    await tx.insert(auditLog).values({
      action: "subscription.provider_sync",
      targetType: "user",
      targetId: input.userId,
      data: { ...input },
    });
  });
  return getBillingSummary(input.userId);
}
