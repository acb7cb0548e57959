import { sql } from "drizzle-orm";
import type { Database, Transaction } from "./client";

/** Runs `fn` in a transaction holding a Postgres advisory lock on `key`, serialising callers per key. */
export function withAdvisoryLock<T>(db: Database, key: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
    return fn(tx);
  });
}
