import { badRequest } from "@/lib/errors";

/**
 * Keyset pagination cursors: the sort key values of the last row on a page, opaque to clients.
 * A page is then `WHERE (key) < (cursor)`: stable while rows are added and fast at any depth.
 */
export function encodeCursor(values: ReadonlyArray<string | number | Date | null>): string {
  return Buffer.from(
    JSON.stringify(values.map((v) => (v instanceof Date ? v.toISOString() : v))),
    "utf8",
  ).toString("base64url");
}

/** The values of a cursor made by `encodeCursor`; a malformed cursor is a 400. */
export function decodeCursor(cursor: string, length: number): Array<string | number | null> {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== length || !values.every((v) => v === null || ["string", "number"].includes(typeof v))) {
    throw badRequest("Invalid cursor.", { field: "cursor" });
  }
  return values as Array<string | number | null>;
}

/** A cursor value that must be a timestamp. */
export function cursorDate(value: string | number | null): Date {
  const date = new Date(typeof value === "string" ? value : Number.NaN);
  if (Number.isNaN(date.getTime())) throw badRequest("Invalid cursor.", { field: "cursor" });
  return date;
}

/** The page and the cursor of the next one, from `limit + 1` fetched rows. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}
