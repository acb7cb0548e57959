/**
 * Text that Postgres (and PGlite) cannot store: a NUL character (`\u0000`, refused in `text` and in
 * `jsonb`) or a lone UTF-16 surrogate (not Unicode, refused by the encoder and by `jsonb`). Valid
 * JSON can carry both, so every input that reaches the database is checked against this first.
 */
import "server-only";
export const isStorableText = (value: string): boolean => !value.includes("\u0000") && value.isWellFormed();

/** The message of an input refused for holding unstorable text. */
export const UNSTORABLE_TEXT_MESSAGE = "must not contain NUL characters or unpaired surrogates";

const storable = (value: string) => value.replaceAll("\u0000", "\uFFFD").toWellFormed();

/**
 * A deep copy of a JSON value whose strings (keys too) can be stored: each NUL and lone surrogate
 * becomes U+FFFD. `changed` says whether there was any.
 */
export function storableJson(value: unknown): { value: unknown; changed: boolean } {
  let changed = false;
  const visit = (node: unknown): unknown => {
    if (typeof node === "string") {
      if (isStorableText(node)) return node;
      changed = true;
      return storable(node);
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [visit(key) as string, visit(child)]));
    }
    return node;
  };
  const result = visit(value);
  return { value: result, changed };
}

/**
 * The path (`a.b.0`) of the first string or key in decoded input that Postgres could not store, or
 * null. Every route body and query (`parseInput`) and every page's query (`parseSearchParams`) is
 * checked with it before its schema, so no such string reaches the database: a 400 naming the field.
 */
export function unstorableTextPath(value: unknown, path: Array<string | number> = []): string | null {
  if (typeof value === "string") return isStorableText(value) ? null : path.join(".") || "(body)";
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableTextPath(item, [...path, index]);
      if (found !== null) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (!isStorableText(key)) return [...path, key.replaceAll("\u0000", "\\0")].join(".");
      const found = unstorableTextPath(child, [...path, key]);
      if (found !== null) return found;
    }
  }
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A real UUID (hex digits in 8-4-4-4-12), not merely 36 characters of hex and dashes that Postgres's `uuid` would refuse. */
export const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

/** The latest instant an input date may name: Postgres stores later ones, but JavaScript's ISO form of year 10000 is not one it parses. */
export const MAX_INPUT_DATE = Date.UTC(9999, 0, 1);
/** The earliest instant an input date may name. */
export const MIN_INPUT_DATE = Date.UTC(1900, 0, 1);
export const DATE_RANGE_MESSAGE = "must be between 1900 and 9998";

/** Whether a date (a Date, ms, or a parsable string) lies in the range every query can hold. */
export function isDateInRange(value: Date | number | string): boolean {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  return Number.isFinite(ms) && ms >= MIN_INPUT_DATE && ms < MAX_INPUT_DATE;
}
