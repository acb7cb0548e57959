import Stripe from "stripe";

/** Fields the SDK types as `Decimal` (serialised by Stripe as decimal strings). */
const DECIMAL_FIELDS = new Set(["unit_amount_decimal", "amount_decimal", "quantity_decimal", "flat_amount_decimal", "fx_rate"]);

function decimalReviver(key: string, value: unknown): unknown {
  if (DECIMAL_FIELDS.has(key) && typeof value === "string") return Stripe.Decimal.from(value);
  return value;
}

export function parseJson(text: string): unknown {
  return JSON.parse(text, decimalReviver);
}

/**
 * Deep copy through JSON, restoring `Decimal` instances. structuredClone would strip Decimal's prototype and leave
 * bigint internals that JSON.stringify cannot serialise.
 */
export function clone<T>(value: T): T {
  // The value was a T before the round trip; JSON keeps its shape (Decimals are revived above).
  return parseJson(JSON.stringify(value)) as T;
}

export function decimal(value: number | string): Stripe.Decimal {
  return Stripe.Decimal.from(String(value));
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Top-level keys whose values changed, with their previous values (Stripe's `previous_attributes`). */
export function previousAttributes<T extends object>(before: T, after: T): Partial<T> {
  const prev: Partial<T> = {};
  for (const key of Object.keys(after) as Array<keyof T>) {
    if (!sameJson(before[key], after[key])) prev[key] = before[key];
  }
  return prev;
}
