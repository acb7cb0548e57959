/**
 * Coupons and promotion codes, as admins make and retire them from the console. Stripe is the only
 * store (no table here): the list is read from Stripe with each code's redemptions. Each action
 * calls Stripe first and then writes its audit row in a short transaction of its own.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { z } from "zod";
import type { Database } from "@/db/client";
import { auditLog } from "@/db/schema";
import { AppError, conflict, notFound } from "@/lib/errors";
import { DATE_RANGE_MESSAGE, UNSTORABLE_TEXT_MESSAGE, isDateInRange, isStorableText } from "@/lib/input-rules";
import { logger } from "@/lib/logger";
import { isResourceMissing } from "@/lib/stripe/gateway";
import {
  couponOf,
  createCoupon,
  createPromotionCode,
  deactivatePromotionCode,
  deleteCoupon,
  findPromotionCode,
  listPromotionCodes,
  retrievePromotionCode,
} from "@/lib/stripe/promotions";
import { promotionCodeInput } from "../inputs";
import { offerLabel } from "../promotions";

export const promotionInput = z
  .strictObject({
    /** What customers type (case-insensitive; unique among active codes). */
    code: promotionCodeInput,
    /** The coupon's name, shown to customers in Checkout and on invoices. */
    name: z
      .string()
      .trim()
      .min(1, "name is required")
      .max(40, "name is at most 40 characters")
      .refine(isStorableText, `name ${UNSTORABLE_TEXT_MESSAGE}`),
    percentOff: z.number().gt(0, "percentOff must be more than 0").max(100, "percentOff is at most 100").optional(),
    /** Minor units of `currency`. */
    amountOff: z
      .number()
      .int("amountOff must be a whole number of minor units")
      .positive("amountOff must be positive")
      .max(99_999_999)
      .optional(),
    currency: z
      .string()
      .regex(/^[a-z]{3}$/, "currency must be a 3-letter ISO code in lower case")
      .optional(),
    duration: z.enum(["once", "repeating", "forever"], { message: 'duration must be "once", "repeating" or "forever"' }),
    durationInMonths: z.number().int().min(1).max(120).optional(),
    maxRedemptions: z.number().int().positive("maxRedemptions must be positive").max(1_000_000).optional(),
    expiresAt: z.iso
      .datetime({ offset: true, message: "expiresAt must be an ISO 8601 date-time" })
      .refine((d) => isDateInRange(d), DATE_RANGE_MESSAGE)
      .optional(),
    firstTimeOnly: z.boolean().default(false),
  })
  .superRefine((input, ctx) => {
    if ((input.percentOff === undefined) === (input.amountOff === undefined)) {
      ctx.addIssue({ code: "custom", path: ["percentOff"], message: "give exactly one of percentOff or amountOff" });
    }
    if (input.amountOff !== undefined && !input.currency)
      ctx.addIssue({ code: "custom", path: ["currency"], message: "amountOff needs a currency" });
    if (input.duration === "repeating" && input.durationInMonths === undefined) {
      ctx.addIssue({ code: "custom", path: ["durationInMonths"], message: "a repeating coupon needs durationInMonths" });
    }
    if (input.duration !== "repeating" && input.durationInMonths !== undefined) {
      ctx.addIssue({ code: "custom", path: ["durationInMonths"], message: "durationInMonths is only for a repeating coupon" });
    }
    if (input.expiresAt && new Date(input.expiresAt).getTime() <= Date.now()) {
      ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "expiresAt must be in the future" });
    }
  });
export type PromotionInput = z.infer<typeof promotionInput>;

/** One promotion code as the console lists it. */
export interface PromotionCodeRow {
  id: string;
  code: string;
  active: boolean;
  couponId: string | null;
  couponName: string | null;
  /** "20% off for 3 months". */
  offer: string;
  timesRedeemed: number;
  maxRedemptions: number | null;
  /** ISO; null when it never expires. */
  expiresAt: string | null;
  firstTimeOnly: boolean;
  createdAt: string;
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());

function rowOf(code: Stripe.PromotionCode): PromotionCodeRow {
  const coupon = couponOf(code);
  return {
    id: code.id,
    code: code.code,
    active: code.active,
    couponId: coupon?.id ?? null,
    couponName: coupon?.name ?? null,
    offer: coupon ? offerLabel(coupon) : "—",
    timesRedeemed: code.times_redeemed,
    maxRedemptions: code.max_redemptions,
    expiresAt: iso(code.expires_at),
    firstTimeOnly: code.restrictions.first_time_transaction,
    createdAt: new Date(code.created * 1000).toISOString(),
  };
}

/** The newest promotion codes with their coupon and redemptions, from Stripe. */
export async function listPromotions(limit = 100): Promise<{ promotionCodes: PromotionCodeRow[] }> {
  return { promotionCodes: (await listPromotionCodes(limit)).map(rowOf) };
}

/**
 * Makes a coupon and its promotion code. A code already active is a 409 before anything is made;
 * a code Stripe then refuses takes its coupon away again.
 */
export async function createPromotion(db: Database, input: PromotionInput, actorUserId: string): Promise<PromotionCodeRow> {
  const existing = await findPromotionCode(input.code);
  if (existing?.active) throw conflict(`An active promotion code "${existing.code}" already exists.`, { field: "code" });
  const key = randomUUID();
  const expiresAt = input.expiresAt ? Math.floor(new Date(input.expiresAt).getTime() / 1000) : undefined;
  const coupon = await createCoupon(
    {
      name: input.name,
      percentOff: input.percentOff,
      amountOff: input.amountOff,
      currency: input.currency,
      duration: input.duration,
      durationInMonths: input.durationInMonths,
    },
    `coupon:${key}`,
  );
  let code: Stripe.PromotionCode;
  try {
    code = await createPromotionCode(
      { couponId: coupon.id, code: input.code, maxRedemptions: input.maxRedemptions, expiresAt, firstTimeTransaction: input.firstTimeOnly },
      `promotion-code:${key}`,
    );
  } catch (error) {
    await deleteCoupon(coupon.id).catch((cleanup: unknown) =>
      logger.warn({ err: cleanup, couponId: coupon.id }, "orphan coupon not deleted"),
    );
    throw error;
  }
  const row = rowOf({ ...code, promotion: { ...code.promotion, coupon } });
  await db.transaction(async (tx) => {
    await tx.insert(auditLog).values({
      actorUserId,
      action: "promotion_code.created",
      targetType: "promotion_code",
      targetId: code.id,
      data: {
        code: row.code,
        couponId: coupon.id,
        offer: row.offer,
        maxRedemptions: row.maxRedemptions,
        expiresAt: row.expiresAt,
        firstTimeOnly: row.firstTimeOnly,
      },
    });
  });
  return row;
}

/** Deactivates a promotion code (customers can no longer redeem it; discounts already given stay). Audited once. */
export async function deactivatePromotion(
  db: Database,
  id: string,
  actorUserId: string,
): Promise<{ promotionCode: PromotionCodeRow; changed: boolean }> {
  const current = await retrievePromotionCode(id).catch((error: unknown) => {
    if (isResourceMissing(error)) throw notFound("No promotion code with that id.");
    throw error;
  });
  if (!current.active) return { promotionCode: rowOf(current), changed: false };
  const updated = await deactivatePromotionCode(id);
  if (updated.active) throw new AppError("payments_error", "Stripe did not deactivate the promotion code.");
  await db.transaction(async (tx) => {
    await tx.insert(auditLog).values({
      actorUserId,
      action: "promotion_code.deactivated",
      targetType: "promotion_code",
      targetId: id,
      data: { code: current.code },
    });
  });
  return { promotionCode: rowOf({ ...updated, promotion: current.promotion }), changed: true };
}
