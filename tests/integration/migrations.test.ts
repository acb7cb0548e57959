import { readdirSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER, openDatabase, selectRows } from "@/db/client";
import { POOLED_DATABASE_KINDS, createEmptyDatabase, createTestDatabase, type TestDatabase } from "../helpers/db";

const EXPECTED_TABLES = [
  "accounts",
  "anonymous_usage",
  "api_keys",
  "audit_log",
  "billing_customer_claims",
  "billing_customers",
  "credit_balances",
  "credit_ledger",
  "credit_top_ups",
  "customer_limit_overrides",
  "email_verification_tokens",
  "invitations",
  "invoices",
  "memberships",
  "mrr_snapshots",
  "notifications",
  "oauth_identities",
  "operator_alerts",
  "outbound_deliveries",
  "outbound_events",
  "password_reset_tokens",
  "rate_limits",
  "revenue_alert_rules",
  "revenue_alert_schedule",
  "spend_caps",
  "subscription_changes",
  "subscriptions",
  "trial_uses",
  "usage_alerts",
  "usage_counters",
  "usage_daily",
  "usage_event_keys",
  "usage_events",
  "usage_levels",
  "usage_reservations",
  "usage_rollup_state",
  "users",
  "webhook_endpoints",
  "webhook_events",
];

describe.each(POOLED_DATABASE_KINDS)("migrations on %s", (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.destroy();
    database = undefined;
  });

  /** The tables, without the partitions of a partitioned one (usage_events: see partitions below). */
  async function tables(db: TestDatabase["db"]): Promise<string[]> {
    const rows = await selectRows<{ table_name: string }>(
      db,
      sql`select table_name from information_schema.tables t
          where table_schema = 'public'
            and not exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = 'public' and c.relname = t.table_name and c.relispartition)
          order by table_name`,
    );
    return rows.map((r) => r.table_name);
  }

  async function partitions(db: TestDatabase["db"]): Promise<string[]> {
    const rows = await selectRows<{ name: string }>(
      db,
      sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'usage_events'::regclass order by 1`,
    );
    return rows.map((r) => r.name);
  }

  async function appliedCount(db: TestDatabase["db"]): Promise<number> {
    const rows = await selectRows<{ n: number }>(db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    return Number(rows[0].n);
  }

  it("creates every table on an empty database", async () => {
    database = await createEmptyDatabase(kind);
    expect(await tables(database.db)).toEqual([]);
    await database.migrate();
    expect(await tables(database.db)).toEqual(EXPECTED_TABLES);
    // usage_events: this UTC month and the next two, and the default partition (lib/billing/metering/storage.ts).
    const month = (plus: number) => {
      const now = new Date();
      const m = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + plus, 1));
      return `usage_events_${m.getUTCFullYear()}_${String(m.getUTCMonth() + 1).padStart(2, "0")}`;
    };
    expect(await partitions(database.db)).toEqual([month(0), month(1), month(2), "usage_events_default"]);
    const migrationFiles = readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith(".sql"));
    expect(await appliedCount(database.db)).toBe(migrationFiles.length);
  });

  async function columns(db: TestDatabase["db"]): Promise<string[]> {
    const rows = await selectRows<{ c: string }>(
      db,
      sql`select table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || coalesce(column_default, '') as c
          from information_schema.columns where table_schema = 'public' order by 1`,
    );
    return rows.map((r) => r.c);
  }

  // Suites open copies of one database migrated at the start of the run (tests/helpers/database-templates.ts):
  // a copy must be exactly what migrating an empty database makes.
  it("a suite's database is the same as an empty database migrated", async () => {
    database = await createEmptyDatabase(kind);
    await database.migrate();
    const copy = await createTestDatabase(kind);
    try {
      expect(await tables(copy.db)).toEqual(EXPECTED_TABLES);
      expect(await columns(copy.db)).toEqual(await columns(database.db));
      expect(await appliedCount(copy.db)).toBe(await appliedCount(database.db));
      // A copy is its own database: what one suite writes, another never sees.
      await copy.db.execute(sql`insert into users (email) values ('copy@example.com')`);
      const other = await createTestDatabase(kind);
      try {
        expect(await selectRows(other.db, sql`select 1 from users`)).toEqual([]);
      } finally {
        await other.destroy();
      }
    } finally {
      await copy.destroy();
    }
  });

  it("is a no-op the second time", async () => {
    database = await createEmptyDatabase(kind);
    await database.migrate();
    const before = await appliedCount(database.db);
    await database.migrate();
    expect(await appliedCount(database.db)).toBe(before);
    expect(await tables(database.db)).toEqual(EXPECTED_TABLES);
  });

  it("enforces the uniqueness the billing logic relies on", async () => {
    database = await createEmptyDatabase(kind);
    await database.migrate();
    const { db } = database;
    await db.execute(sql`insert into users (email) values ('a@example.com')`);
    await expect(db.execute(sql`insert into users (email) values ('a@example.com')`)).rejects.toThrow();
    await db.execute(sql`insert into webhook_events (id, type, provider_created_at, payload) values ('evt_1', 't', now(), '{}')`);
    await expect(
      db.execute(sql`insert into webhook_events (id, type, provider_created_at, payload) values ('evt_1', 't', now(), '{}')`),
    ).rejects.toThrow();
  });

  // Several instances exist only on a server (PGlite is one process's own database).
  if (kind !== "pglite")
    it("instances starting at the same moment migrate once, and leave no lock behind", async () => {
      database = await createEmptyDatabase(kind);
      const url = database.url as string;
      // Three more app instances on the same database (through the pooler for "pgbouncer").
      const pooled = kind === "pgbouncer";
      const options = {
        url,
        max: 2,
        prepare: !pooled,
        timeouts: { connectMs: 5_000, statementMs: 5_000, idleInTransactionMs: 10_000, serverSide: !pooled },
      };
      const instances = await Promise.all([1, 2, 3].map(() => openDatabase(options)));
      try {
        await Promise.all(instances.map((instance) => instance.migrate()));
        const migrationFiles = readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith(".sql"));
        expect(await appliedCount(database.db)).toBe(migrationFiles.length);
        expect(await tables(database.db)).toEqual(EXPECTED_TABLES);
        // A session-level lock taken through a transaction pooler stays held by a pooled server
        // connection forever: the next instance to start would wait on it for ever.
        const locks = await selectRows(
          database.db,
          sql`select pid, granted from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`,
        );
        expect(locks).toEqual([]);
        const late = await openDatabase(options);
        await late.migrate();
        await late.close();
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
      }
    });
});
