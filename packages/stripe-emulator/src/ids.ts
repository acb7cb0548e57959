import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

/** Stripe-looking id, e.g. `cus_Q3r...` (24 random chars after the prefix). */
export function newId(prefix: string, length = 24): string {
  return `${prefix}_${randomToken(length)}`;
}

export function newRequestId(): string {
  return `req_${randomToken(14)}`;
}

/** Prefix → resource collection, longest prefixes first so `sub_sched_` wins over `sub_`. */
export const ID_PREFIXES = [
  ["sub_sched_", "subscriptionSchedules"],
  ["cs_test_", "checkoutSessions"],
  ["cus_", "customers"],
  ["sub_", "subscriptions"],
  ["si_", "subscriptionItems"],
  ["in_", "invoices"],
  ["ii_", "invoiceItems"],
  ["prod_", "products"],
  ["price_", "prices"],
  ["pm_", "paymentMethods"],
  ["clock_", "testClocks"],
  ["bpc_", "portalConfigurations"],
  ["bps_", "portalSessions"],
  ["evt_", "events"],
  ["we_", "webhookEndpoints"],
  ["mtr_", "meters"],
  ["inpay_", "invoicePayments"],
  ["pi_", "paymentIntents"],
  ["ch_", "charges"],
  ["seti_", "setupIntents"],
  ["promo_", "promotionCodes"],
  ["di_", "discounts"],
  ["txr_", "taxRates"],
  ["txi_", "taxIds"],
  ["shr_", "shippingRates"],
  ["cn_", "creditNotes"],
  ["cbtxn_", "customerBalanceTransactions"],
  ["re_", "refunds"],
] as const;
