import "server-only";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/client";
import { creditBalances } from "@/db/schema";
import { accountIdInput } from "@/lib/accounts/access";
import { appUrl } from "@/lib/app-url";
import { AppError, badRequest } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { createCreditsCheckout } from "@/lib/stripe/credits";
import type { BillingAccount } from "../checkout";
import { ensureBillingCustomer } from "../customers";
import { creditPacks, findCreditPack, isMeterId, isPrepaidMeter, meterDefinition, type CreditPack, type MeterId } from "../plans";

const packIdInput = z.string().trim().min(1, "pack is required").max(64);
const meterInput = z.string().trim().min(1).max(64).optional();

/** `POST /api/billing/credits/checkout`: a pack (and, optionally, the meter it must belong to) for an account. */
export const creditsCheckoutInput = z.strictObject({ pack: packIdInput, meter: meterInput, accountId: accountIdInput });

/** `POST /api/billing/credits/auto-top-up`: turn auto top-ups on (below `threshold` units, buy `pack`) or off. */
export const autoTopUpInput = z.strictObject({
  enabled: z.boolean(),
  threshold: z.number().int().min(1).max(1_000_000_000).optional(),
  pack: packIdInput.optional(),
  meter: meterInput,
  accountId: accountIdInput,
});

/** The pack named by a request, checked against the catalog and, when given, the meter. */
export function resolvePack(packId: string, meter?: string): { meter: MeterId; pack: CreditPack } {
  if (meter !== undefined && (!isMeterId(meter) || !isPrepaidMeter(meter)))
    throw badRequest(`Meter "${meter}" does not sell credits.`, { field: "meter" });
  const found = findCreditPack(packId);
  if (!found || (meter !== undefined && found.meter !== meter)) {
    const known = meter && isMeterId(meter) ? creditPacks(meter).map((p) => p.id) : [];
    throw badRequest(`Unknown credit pack "${packId}"${known.length ? ` (this meter sells ${known.join(", ")})` : ""}.`, { field: "pack" });
  }
  return found;
}

/**
 * A one-time Checkout payment for a credit pack; the `checkout.session.completed` webhook credits
 * the balance once it is paid. The amount comes from the catalog, never from the request.
 */
export async function startCreditsCheckout(
  account: BillingAccount,
  packId: string,
  meter: string | undefined,
  origin?: string,
): Promise<{ url: string }> {
  const { meter: meterId, pack } = resolvePack(packId, meter);
  const customer = await ensureBillingCustomer(account);
  const base = appUrl(origin);
  const session = await createCreditsCheckout({
    customerId: customer.providerCustomerId,
    accountId: account.id,
    packId: pack.id,
    productName: `${pack.units.toLocaleString("en-US")} ${meterDefinition(meterId).unit} (prepaid credits)`,
    amount: pack.amount,
    currency: pack.currency,
    successUrl: `${base}/billing?credits=purchased#credits`,
    cancelUrl: `${base}/billing#credits`,
    idempotencyKey: `credits-checkout:${account.id}:${pack.id}:${randomUUID()}`,
  });
  if (!session.url) throw new AppError("checkout_unavailable", "Stripe did not return a checkout URL.");
  logger.info({ accountId: account.id, pack: pack.id, checkoutSessionId: session.id }, "credits checkout started");
  return { url: session.url };
}

/**
 * Saves the auto top-up settings of one meter's balance (the row is created if the account never
 * bought credits). Turning it on needs a threshold and a pack of that meter.
 */
export async function setAutoTopUp(
  accountId: string,
  input: { enabled: boolean; threshold?: number; pack?: string; meter?: string },
): Promise<{ meter: MeterId; enabled: boolean; threshold: number | null; packId: string | null }> {
  if (input.enabled && (input.threshold === undefined || input.pack === undefined)) {
    throw badRequest("threshold and pack are required to turn auto top-up on.", {
      field: input.threshold === undefined ? "threshold" : "pack",
    });
  }
  let meter: MeterId;
  let packId: string | null = null;
  if (input.pack !== undefined) {
    const resolved = resolvePack(input.pack, input.meter);
    meter = resolved.meter;
    packId = resolved.pack.id;
    // One top-up must lift an empty balance above the threshold, or the job would charge again at once.
    if (input.enabled && input.threshold !== undefined && input.threshold >= resolved.pack.units) {
      throw badRequest(`threshold must be below the pack's ${resolved.pack.units.toLocaleString("en-US")} units.`, { field: "threshold" });
    }
  } else {
    if (input.meter === undefined || !isMeterId(input.meter) || !isPrepaidMeter(input.meter)) {
      throw badRequest("meter (one that sells credits) or pack is required.", { field: "meter" });
    }
    meter = input.meter;
  }
  const values = {
    autoTopUpEnabled: input.enabled,
    autoTopUpThreshold: input.enabled ? (input.threshold ?? null) : null,
    autoTopUpPack: input.enabled ? packId : null,
  };
  const db = await getDb();
  await db
    .insert(creditBalances)
    .values({ accountId, meter, ...values })
    .onConflictDoUpdate({
      target: [creditBalances.accountId, creditBalances.meter],
      set: { ...values, version: sql`${creditBalances.version} + 1` },
    });
  return { meter, enabled: values.autoTopUpEnabled, threshold: values.autoTopUpThreshold, packId: values.autoTopUpPack };
}
