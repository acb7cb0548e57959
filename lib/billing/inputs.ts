import "server-only";
import { z } from "zod";
import { accountIdInput } from "@/lib/accounts/access";
import { INTERVALS } from "./plans";

export const planSelection = z.object({
  plan: z.string().trim().min(1, "plan is required").max(64),
  interval: z.enum(INTERVALS, { message: 'interval must be "month" or "year"' }),
  /** The account to act on; the caller's personal account when absent. */
  accountId: accountIdInput,
});

/** A card-less trial: the plan, and the interval billed after it (monthly unless said). */
export const trialStart = planSelection.extend({ interval: planSelection.shape.interval.optional().default("month") });
/** A promotion code as customers type it: Stripe's alphabet (letters, digits, dashes), case-insensitive. */
export const promotionCodeInput = z
  .string()
  .trim()
  .min(1, "promotionCode is required")
  .max(200)
  .regex(/^[A-Za-z0-9-]+$/, "promotionCode may only contain letters, digits and dashes");

/**
 * Checkout's body: the plan, optionally a promotion code checked before the session is made, and optionally the UI
 * (`embedded` on the app's /checkout page, or Stripe's `hosted` page; CHECKOUT_UI decides when absent).
 */
export const checkoutSelection = planSelection.extend({
  promotionCode: promotionCodeInput.optional(),
  ui: z.enum(["hosted", "embedded"], { message: 'ui must be "hosted" or "embedded"' }).optional(),
});

export const planChange = planSelection.extend({
  preview: z.boolean().optional().default(false),
  /** The preview's `prorationDate`: the change is then prorated exactly as previewed (Stripe's proration_date). */
  prorationDate: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

export const invoiceQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  cursor: z.string().max(200).optional(),
  accountId: accountIdInput,
});
