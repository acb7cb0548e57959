import { sql, type AnyColumn } from "drizzle-orm";

/**
 * A timestamp column to the microsecond, as Postgres stores it, as fixed-format UTC text (which
 * sorts like the timestamps). A JS Date keeps milliseconds only: a guard comparing against one would
 * see every row written by `now()` as newer than itself.
 */
export const exactTimestamp = (column: AnyColumn) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
