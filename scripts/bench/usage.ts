/**
 * `npm run bench:usage`: metering throughput on a real Postgres (DATABASE_URL; a throwaway database
 * is created on that server and dropped at the end), with an in-run baseline:
 *
 *  1. baseline: a single-statement INSERT loop at 1, 8 and 64 concurrent callers;
 *  2. consume(): throughput and p50/p99 at 1, 8 and 64 concurrent callers (one user each);
 *  3. overshoot: 64 callers on ONE user at the edge of its limit: used must end == limit;
 *  4. batch ingestion: POST /api/billing/usage with 1,000-event batches over HTTP against `next start`
 *     (built first unless BENCH_SKIP_BUILD=1 and .next exists; port BENCH_PORT, default 3141);
 *  0. growth (first, in two throwaway databases of its own): consume() throughput and p99 at 8
 *     callers on a database with no usage events and on one seeded set-based with `--growth-events N`
 *     (default 20,000,000) events over the past 13 monthly partitions, measured alternately, 3 rounds
 *     each; the ratio (target: the second within 90 % of the first), and the bytes per stored event (usage_events + usage_event_keys) and per rolled-up
 *     day (usage_daily) after the daily rollup. `--growth-events 0` skips it; `--growth-only` runs
 *     only it.
 *
 * Prints a table and writes a JSON report (BENCH_REPORT, default .data/bench-usage.json).
 * Bounded by BENCH_SECONDS per level (default 4).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { openDatabase, setAppDatabase, type DatabaseHandle } from "@/db/client";
import { subscriptions, users } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { consume } from "@/lib/billing/metering";
import { ensureUsagePartitions, monthStart, rollUpUsage } from "@/lib/billing/metering/storage";
import { runScript } from "../lib/run-script";
import { runNext, waitForExit } from "../lib/spawn-next";
import { createScratchDatabase } from "../lib/scratch-database";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const LEVELS = [1, 8, 64];
const PORT = Number(process.env.BENCH_PORT ?? 3141);
const HTTP_CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 8);
const BATCH = 1_000;

/** `--name value` or `--name=value` from the command line. */
function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes("=") ? args[i].slice(args[i].indexOf("=") + 1) : (args[i + 1] ?? "");
}
const GROWTH_EVENTS = Number((flag("growth-events") ?? "20000000").replaceAll("_", ""));
const GROWTH_ONLY = process.argv.includes("--growth-only");
const GROWTH_CALLERS = 8;
/** Alternating measurements of the empty and the grown database (BENCH_SECONDS each). */
const GROWTH_ROUNDS = 3;
/** Accounts the seeded events belong to (the benchmark's callers are others, as new customers are). */
const GROWTH_ACCOUNTS = 10_000;

interface LevelResult {
  concurrency: number;
  ops: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs `op(worker, i)` from `concurrency` workers for SECONDS and measures every call. */
async function load(concurrency: number, op: (worker: number, i: number) => Promise<unknown>): Promise<LevelResult> {
  const times: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i += 1) {
        const t = performance.now();
        await op(worker, i);
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    concurrency,
    ops: times.length,
    seconds,
    perSecond: times.length / seconds,
    p50ms: percentile(times, 50),
    p99ms: percentile(times, 99),
  };
}

async function createUsers(database: DatabaseHandle, n: number, plan: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const [user] = await database.db
      .insert(users)
      .values({ email: `bench-${plan}-${i}-${randomBytes(4).toString("hex")}@example.com` })
      .returning();
    if (plan !== "free") {
      await database.db.insert(subscriptions).values({
        accountId: user.id,
        providerSubscriptionId: `sub_bench_${randomBytes(6).toString("hex")}`,
        status: "active",
        planId: plan,
        interval: "month",
        currentPeriodStart: new Date(Date.now() - 86_400_000),
        currentPeriodEnd: new Date(Date.now() + 20 * 86_400_000),
      });
    }
    ids.push(user.id);
  }
  return ids;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`next start did not answer on ${url}`);
}

interface GrowthResult {
  events: number;
  callers: number;
  empty: LevelResult;
  grown: LevelResult;
  /** grown / empty consume throughput. */
  ratio: number;
  seedSeconds: number;
  rollupSeconds: number;
  bytesPerEvent: number;
  bytesPerEventWithKey: number;
  bytesPerRolledUpDay: number;
  rolledUpDays: number;
}

/**
 * Phase 0: consume with an empty usage_events, then with `events` of history in the partitions of
 * the past 13 months (as the partition job leaves them), on a database of its own.
 */
async function growthPhase(serverUrl: string, events: number): Promise<GrowthResult> {
  // Two databases side by side: one stays empty, the other gets the history; the measurements
  // alternate between them (GROWTH_ROUNDS each), so a host whose load drifts weighs on both alike.
  const scratch = await createScratchDatabase(serverUrl, "bench_growth");
  const emptyScratch = await createScratchDatabase(serverUrl, "bench_growth_empty");
  // Seeding millions of rows outlasts the app's statement timeout.
  const open = (url: string) => openDatabase({ url, max: 20, timeouts: { connectMs: 5_000, statementMs: 0, idleInTransactionMs: 0 } });
  const database = await open(scratch.url);
  const emptyDatabase = await open(emptyScratch.url);
  try {
    await database.migrate();
    await emptyDatabase.migrate();
    const db = database.db;
    const now = new Date();
    await ensureUsagePartitions(db, monthStart(now, -13), 15);
    const callers = new Map([database, emptyDatabase].map((d) => [d, [] as string[]]));
    for (const [d, ids] of callers) ids.push(...(await createUsers(d, GROWTH_CALLERS, "scale")));
    const run = (on: DatabaseHandle, label: string) => {
      setAppDatabase(on);
      const userIds = callers.get(on) as string[];
      return load(GROWTH_CALLERS, async (w, i) => {
        const r = await consume(userIds[w], "api_calls", 1, { idempotencyKey: `g-${label}-${w}-${i}` });
        if (!r.allowed) throw new Error("bench consume refused");
      });
    };
    // Statistics as autovacuum keeps them: the warm-up's events analysed, as the seeded ones are.
    const analyze = async (on: DatabaseHandle) => {
      for (const table of ["usage_events", "usage_event_keys", "usage_counters"])
        await on.db.execute(sql`analyze ${sql.identifier(table)}`);
    };

    console.log(`growth: seeding ${events.toLocaleString("en-US")} usage events over 13 months…`);
    const seedStarted = performance.now();
    await db.execute(
      sql`insert into users (email, email_verified_at) select 'growth-' || g || '@bench.example', now() from generate_series(1, ${GROWTH_ACCOUNTS}) g`,
    );
    // Set-based: the key rows in one statement of their own rather than one trigger call per event.
    await db.execute(sql`alter table usage_events disable trigger usage_events_key`);
    await db.execute(sql`
      with accounts as (select row_number() over (order by id) as n, id from users where email like 'growth-%@bench.example')
      insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, used_after, limit_at, metadata, created_at)
      select a.id, 'api_calls', 1, 'seed-' || g, date_trunc('month', t), date_trunc('month', t) + interval '1 month', g % 100000, 100000, '{}'::jsonb, t
      from generate_series(1, ${events}::int) g
      cross join lateral (select now() - interval '1 hour' - (${events}::int - g) * (interval '395 days' / ${Math.max(events, 1)}::float8) as t) as at
      join accounts a on a.n = 1 + g % ${GROWTH_ACCOUNTS}::int`);
    await db.execute(sql`
      insert into usage_event_keys (account_id, idempotency_key, event_id, meter, quantity, used_after, limit_at, period_end, created_at)
      select account_id, idempotency_key, id, meter, quantity, used_after, limit_at, period_end, created_at from usage_events where idempotency_key like 'seed-%'`);
    await db.execute(sql`alter table usage_events enable trigger usage_events_key`);
    await db.execute(sql`vacuum usage_events`);
    await db.execute(sql`vacuum usage_event_keys`);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    for (const on of [emptyDatabase, database]) {
      await run(on, "warm");
      await analyze(on);
    }
    const rounds: Array<{ empty: LevelResult; grown: LevelResult }> = [];
    for (let r = 0; r < GROWTH_ROUNDS; r += 1)
      rounds.push({ empty: await run(emptyDatabase, `e${r}`), grown: await run(database, `g${r}`) });
    const empty = combine(rounds.map((r) => r.empty));
    const grown = combine(rounds.map((r) => r.grown));

    const rollupStarted = performance.now();
    let rolledUpDays = 0;
    for (let days = 1; days > 0; rolledUpDays += days) days = await rollUpUsage(db, now);
    const rollupSeconds = (performance.now() - rollupStarted) / 1000;
    const [sizes] = (await db.execute(sql`
      select
        (select sum(pg_total_relation_size(relid)) from pg_partition_tree('usage_events'))::float8 as events_bytes,
        (select count(*) from usage_events)::float8 as events,
        pg_total_relation_size('usage_event_keys')::float8 as keys_bytes,
        pg_total_relation_size('usage_daily')::float8 as daily_bytes,
        (select count(*) from usage_daily)::float8 as daily_rows`)) as unknown as Array<Record<string, number>>;
    return {
      events,
      callers: GROWTH_CALLERS,
      empty,
      grown,
      ratio: grown.perSecond / empty.perSecond,
      seedSeconds,
      rollupSeconds,
      bytesPerEvent: sizes.events_bytes / sizes.events,
      bytesPerEventWithKey: (sizes.events_bytes + sizes.keys_bytes) / sizes.events,
      bytesPerRolledUpDay: sizes.daily_bytes / Math.max(1, sizes.daily_rows),
      rolledUpDays,
    };
  } finally {
    await database.close();
    await emptyDatabase.close();
    await scratch.drop();
    await emptyScratch.drop();
  }
}

/** Rounds of one level as one: total operations over total time; the median round's p50 and p99. */
function combine(levels: LevelResult[]): LevelResult {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const ops = levels.reduce((n, l) => n + l.ops, 0);
  const seconds = levels.reduce((n, l) => n + l.seconds, 0);
  return {
    concurrency: levels[0].concurrency,
    ops,
    seconds,
    perSecond: ops / seconds,
    p50ms: median(levels.map((l) => l.p50ms)),
    p99ms: median(levels.map((l) => l.p99ms)),
  };
}

function printGrowth(g: GrowthResult): void {
  const f = (n: number, d = 0) => n.toFixed(d);
  console.log(
    `\ngrowth: consume() at ${g.callers} callers, with 0 and with ${g.events.toLocaleString("en-US")} existing usage events (seeded in ${f(g.seedSeconds, 1)} s)`,
  );
  console.log(
    `  0 events:   ${f(g.empty.perSecond).padStart(7)} consume/s   p50 ${f(g.empty.p50ms, 2)} ms   p99 ${f(g.empty.p99ms, 2)} ms`,
  );
  console.log(
    `  ${g.events.toLocaleString("en-US")} events: ${f(g.grown.perSecond).padStart(7)} consume/s   p50 ${f(g.grown.p50ms, 2)} ms   p99 ${f(g.grown.p99ms, 2)} ms`,
  );
  console.log(`  ratio: ${f(g.ratio * 100)} % of the empty throughput (target ≥ 90 %): ${g.ratio >= 0.9 ? "met" : "NOT MET"}`);
  console.log(
    `  storage: ${f(g.bytesPerEvent)} bytes per stored event (${f(g.bytesPerEventWithKey)} with its idempotency key), ${f(g.bytesPerRolledUpDay)} bytes per rolled-up day (usage_daily row; ${g.rolledUpDays} days rolled up in ${f(g.rollupSeconds, 1)} s)`,
  );
}

runScript(async () => {
  process.env.LOG_LEVEL = "silent";
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("bench:usage needs a real Postgres: set DATABASE_URL (a throwaway database is created on that server).");
  const growth = GROWTH_EVENTS > 0 ? await growthPhase(serverUrl, GROWTH_EVENTS) : null;
  if (growth) printGrowth(growth);
  if (GROWTH_ONLY) {
    const reportPath = process.env.BENCH_REPORT ?? path.join(".data", "bench-usage.json");
    mkdirSync(path.dirname(reportPath), { recursive: true });
    writeFileSync(reportPath, JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, growth }, null, 2));
    console.log(`\nreport: ${reportPath}`);
    return;
  }
  const scratch = await createScratchDatabase(serverUrl, "bench_usage");
  const database = await openDatabase({ url: scratch.url, max: 70 });
  let server: ReturnType<typeof runNext> | undefined;
  try {
    await database.migrate();
    setAppDatabase(database);
    await database.db.execute(
      sql`create unlogged table if not exists bench_baseline (id bigserial primary key, user_id uuid not null, n bigint not null, created_at timestamptz not null default now())`,
    );
    await database.db.execute(sql`alter table bench_baseline set logged`);

    const rows: Array<{ name: string; baseline: LevelResult; consume: LevelResult; ratio: number }> = [];
    for (const concurrency of LEVELS) {
      const userIds = await createUsers(database, concurrency, "scale");
      const baseline = await load(concurrency, (w, i) =>
        database.db.execute(sql`insert into bench_baseline (user_id, n) values (${userIds[w]}::uuid, ${i})`),
      );
      const consumed = await load(concurrency, async (w, i) => {
        const r = await consume(userIds[w], "api_calls", 1, { idempotencyKey: `c${concurrency}-${w}-${i}` });
        if (!r.allowed) throw new Error("bench consume refused");
      });
      rows.push({ name: `${concurrency} callers`, baseline, consume: consumed, ratio: consumed.perSecond / baseline.perSecond });
    }

    // Overshoot: one Free user with 32 API calls left, 64 callers hammering it.
    const [edgeUser] = await createUsers(database, 1, "free");
    await consume(edgeUser, "api_calls", 1_000 - 32);
    let allowed = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; i < 10; i += 1) {
          const r = await consume(edgeUser, "api_calls", 1, { idempotencyKey: `edge-${w}-${i}` });
          if (r.allowed) allowed += 1;
          else refused += 1;
        }
      }),
    );
    const [edge] = (await database.db.execute(
      sql`select used from usage_counters where account_id = ${edgeUser}::uuid and meter = 'api_calls'`,
    )) as unknown as Array<{ used: string }>;
    const overshoot = {
      callers: 64,
      attempts: 640,
      limit: 1_000,
      used: Number(edge.used),
      allowed,
      refused402: refused,
      exact: Number(edge.used) === 1_000,
    };

    // Batch ingestion over HTTP against next start.
    const appUrl = `http://127.0.0.1:${PORT}`;
    const env = {
      ...process.env,
      NODE_ENV: "production" as const,
      DATABASE_URL: scratch.url,
      NEXTAUTH_URL: appUrl,
      APP_URL: appUrl,
      NEXTAUTH_SECRET: "bench-only-secret",
      SEED_DEMO_ACCOUNTS: "false",
      LOG_LEVEL: "warn",
      NEXT_SKIP_TYPECHECK: "1",
    };
    if (!(process.env.BENCH_SKIP_BUILD && existsSync(path.join(process.cwd(), ".next", "BUILD_ID")))) {
      console.log("building the app (BENCH_SKIP_BUILD=1 reuses .next)…");
      if ((await waitForExit(runNext(["build"], env))) !== 0) throw new Error("next build failed");
    }
    server = runNext(["start", "--port", String(PORT), "--hostname", "127.0.0.1"], env);
    await waitForHealth(appUrl, 120_000);
    const httpUsers = await createUsers(database, HTTP_CLIENTS, "scale");
    const keys = await Promise.all(httpUsers.map((id) => createApiKey(id, id, { name: "bench" })));
    // Warm up the route (compilation caches, connection pool).
    await fetch(`${appUrl}/api/billing/quota`, { headers: { authorization: `Bearer ${keys[0].key}` } });
    let events = 0;
    const http = await load(HTTP_CLIENTS, async (w, i) => {
      const body = JSON.stringify({
        events: Array.from({ length: BATCH }, (_, j) => ({ meter: "api_calls", quantity: 1, idempotencyKey: `h-${i}-${j}` })),
      });
      const res = await fetch(`${appUrl}/api/billing/usage`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys[w].key}`, "content-type": "application/json" },
        body,
      });
      if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
      const { results } = (await res.json()) as { results: Array<{ allowed: boolean }> };
      events += results.filter((r) => r.allowed).length;
    });
    const ingestion = {
      clients: HTTP_CLIENTS,
      batchSize: BATCH,
      requests: http.ops,
      events,
      eventsPerSecond: events / http.seconds,
      p50ms: http.p50ms,
      p99ms: http.p99ms,
    };

    const fmt = (n: number, d = 0) => n.toFixed(d).padStart(8);
    console.log(`\nusage metering benchmark on Postgres (${SECONDS}s per level)\n`);
    console.log("callers   baseline INSERT/s   consume/s   consume p50 ms   p99 ms   consume / baseline");
    for (const r of rows) {
      console.log(
        `${String(r.consume.concurrency).padStart(7)}   ${fmt(r.baseline.perSecond)}          ${fmt(r.consume.perSecond)}    ${fmt(r.consume.p50ms, 2)}       ${fmt(r.consume.p99ms, 2)}   ${(r.ratio * 100).toFixed(0).padStart(5)} %`,
      );
    }
    console.log(
      `\novershoot: 64 callers × 10 on one user with 32 left → used ${overshoot.used} / limit ${overshoot.limit} (${overshoot.exact ? "exact" : "OVERSHOOT"}), ${overshoot.allowed} allowed, ${overshoot.refused402} refused (402)`,
    );
    if (growth) printGrowth(growth);
    console.log(
      `batch ingestion over HTTP (next start, ${HTTP_CLIENTS} clients × ${BATCH}-event batches): ${ingestion.eventsPerSecond.toFixed(0)} events/s, p50 ${ingestion.p50ms.toFixed(1)} ms, p99 ${ingestion.p99ms.toFixed(1)} ms per batch`,
    );

    const reportPath = process.env.BENCH_REPORT ?? path.join(".data", "bench-usage.json");
    mkdirSync(path.dirname(reportPath), { recursive: true });
    writeFileSync(
      reportPath,
      JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, levels: rows, overshoot, ingestion, growth }, null, 2),
    );
    console.log(`\nreport: ${reportPath}`);
  } finally {
    server?.kill("SIGTERM");
    if (server) await waitForExit(server);
    await database.close();
    await scratch.drop();
  }
});
