import { AppError } from "@/lib/errors";

/**
 * Errors that mean "the database cannot be reached or is not answering", whichever driver raised
 * them. Classified by `code` (postgres.js connection codes, Node socket errors, SQLSTATEs) and never
 * by `instanceof`: drizzle wraps driver errors in its own, and a production build may hold several
 * copies of a driver module.
 */
const UNAVAILABLE_CODES = new Set([
  // postgres.js
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // ours: db/client.ts gave up waiting for a query or a pooled connection
  "QUERY_DEADLINE",
  // Node sockets and DNS
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  // SQLSTATEs: admin/crash shutdown, starting up, too many connections, statement and
  // idle-in-transaction timeouts
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "57014",
  "25P03",
]);

/** SQLSTATE class 08: connection exceptions. */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

function codeOf(error: unknown): string | null {
  if (!error || typeof error !== "object") return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : null;
}

/** True when `error` (or anything in its `cause` chain) says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth += 1) {
    const code = codeOf(current);
    if (code && (UNAVAILABLE_CODES.has(code) || CONNECTION_EXCEPTION.test(code))) return true;
    // PGlite raises plain errors once its WASM instance is closed or has aborted.
    if (current instanceof Error && /PGlite is closed|RuntimeError: Aborted/i.test(current.message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export const databaseUnavailable = () =>
  new AppError("database_unavailable", "The database is not reachable right now. Please try again in a moment.");

/** The AppError a database outage answers with, or null when `error` is something else. */
export function databaseAppError(error: unknown): AppError | null {
  return isDatabaseUnavailable(error) ? databaseUnavailable() : null;
}
