import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/** `SET col = excluded.col` for the given columns of an INSERT … ON CONFLICT DO UPDATE. */
export function excludedSet<T extends PgTable>(table: T, keys: Array<keyof T["$inferInsert"] & string>): Record<string, SQL> {
  const columns = getTableColumns(table);
  return Object.fromEntries(
    keys.map((key) => {
      const column = columns[key];
      if (!column) throw new Error(`Unknown column ${key}`);
      return [key, sql.raw(`excluded."${column.name}"`)];
    }),
  );
}
