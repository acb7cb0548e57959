import "server-only";
import { badRequest } from "@/lib/errors";
import { isDateInRange, isStorableText, isUuid } from "@/lib/input-rules";

/**
 * Keyset pagination cursors: the sort key values of the last row on a page, opaque to clients.
 * A page is then `WHERE (key) < (cursor)`: stable while rows are added and fast at any depth.
 */
export function encodeCursor(values: ReadonlyArray<string | number | Date | null>): string {
  return Buffer.from(JSON.stringify(values.map((v) => (v instanceof Date ? v.toISOString() : v))), "utf8").toString("base64url");
}

/** The values of a cursor made by `encodeCursor`; a malformed cursor is a 400. */
export function decodeCursor(cursor: string, length: number): Array<string | number | null> {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    values = undefined;
  }
  const valid = (v: unknown) =>
    v === null || (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && v.length <= 500 && isStorableText(v));
  if (!Array.isArray(values) || values.length !== length || !values.every(valid)) {
    throw badRequest("Invalid cursor.", { field: "cursor" });
  }
  return values as Array<string | number | null>;
}

/** A cursor value that must be a timestamp (one a query can hold). */
export function cursorDate(value: string | number | null): Date {
  const date = new Date(typeof value === "string" ? value : Number.NaN);
  if (!isDateInRange(date)) throw badRequest("Invalid cursor.", { field: "cursor" });
  return date;
}

/** A cursor value that must be a UUID (a `uuid` column's key). */
export function cursorUuid(value: string | number | null): string {
  if (!isUuid(value)) throw badRequest("Invalid cursor.", { field: "cursor" });
  return value;
}

/** A cursor value that must be a positive integer (a serial key). */
export function cursorInteger(value: string | number | null): number {
  const number = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0) throw badRequest("Invalid cursor.", { field: "cursor" });
  return number;
}

/** The page and the cursor of the next one, from `limit + 1` fetched rows. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}
