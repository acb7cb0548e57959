/**
 * `npm run bench:usage`: metering throughput on a real Postgres (DATABASE_URL; a throwaway database
 * is created on that server and dropped at the end), with an in-run baseline:
 *
 *  1. baseline: a single-statement INSERT loop at 1, 8 and 64 concurrent callers;
 *  2. consume(): throughput and p50/p99 at 1, 8 and 64 concurrent callers (one user each);
 *  3. overshoot: 64 callers on ONE user at the edge of its limit: used must end == limit;
 *  4. batch ingestion: POST /api/billing/usage with 1,000-event batches over HTTP against `next start`
 *     (built first unless BENCH_SKIP_BUILD=1 and .next exists; port BENCH_PORT, default 3141).
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
import { runScript } from "../lib/run-script";
import { runNext, waitForExit } from "../lib/spawn-next";
import { createScratchDatabase } from "../lib/scratch-database";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const LEVELS = [1, 8, 64];
const PORT = Number(process.env.BENCH_PORT ?? 3141);
const HTTP_CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 8);
const BATCH = 1_000;

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
  return { concurrency, ops: times.length, seconds, perSecond: times.length / seconds, p50ms: percentile(times, 50), p99ms: percentile(times, 99) };
}

async function createUsers(database: DatabaseHandle, n: number, plan: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const [user] = await database.db.insert(users).values({ email: `bench-${plan}-${i}-${randomBytes(4).toString("hex")}@example.com` }).returning();
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

runScript(async () => {
  process.env.LOG_LEVEL = "silent";
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("bench:usage needs a real Postgres: set DATABASE_URL (a throwaway database is created on that server).");
  const scratch = await createScratchDatabase(serverUrl, "bench_usage");
  const database = await openDatabase({ url: scratch.url, max: 70 });
  let server: ReturnType<typeof runNext> | undefined;
  try {
    await database.migrate();
    setAppDatabase(database);
    await database.db.execute(sql`create unlogged table if not exists bench_baseline (id bigserial primary key, user_id uuid not null, n bigint not null, created_at timestamptz not null default now())`);
    await database.db.execute(sql`alter table bench_baseline set logged`);

    const rows: Array<{ name: string; baseline: LevelResult; consume: LevelResult; ratio: number }> = [];
    for (const concurrency of LEVELS) {
      const userIds = await createUsers(database, concurrency, "scale");
      const baseline = await load(concurrency, (w, i) => database.db.execute(sql`insert into bench_baseline (user_id, n) values (${userIds[w]}::uuid, ${i})`));
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
    const [edge] = (await database.db.execute(sql`select used from usage_counters where account_id = ${edgeUser}::uuid and meter = 'api_calls'`)) as unknown as Array<{ used: string }>;
    const overshoot = { callers: 64, attempts: 640, limit: 1_000, used: Number(edge.used), allowed, refused402: refused, exact: Number(edge.used) === 1_000 };

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
      const body = JSON.stringify({ events: Array.from({ length: BATCH }, (_, j) => ({ meter: "api_calls", quantity: 1, idempotencyKey: `h-${i}-${j}` })) });
      const res = await fetch(`${appUrl}/api/billing/usage`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys[w].key}`, "content-type": "application/json" },
        body,
      });
      if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
      const { results } = (await res.json()) as { results: Array<{ allowed: boolean }> };
      events += results.filter((r) => r.allowed).length;
    });
    const ingestion = { clients: HTTP_CLIENTS, batchSize: BATCH, requests: http.ops, events, eventsPerSecond: events / http.seconds, p50ms: http.p50ms, p99ms: http.p99ms };

    const fmt = (n: number, d = 0) => n.toFixed(d).padStart(8);
    console.log(`\nusage metering benchmark on Postgres (${SECONDS}s per level)\n`);
    console.log("callers   baseline INSERT/s   consume/s   consume p50 ms   p99 ms   consume / baseline");
    for (const r of rows) {
      console.log(`${String(r.consume.concurrency).padStart(7)}   ${fmt(r.baseline.perSecond)}          ${fmt(r.consume.perSecond)}    ${fmt(r.consume.p50ms, 2)}       ${fmt(r.consume.p99ms, 2)}   ${(r.ratio * 100).toFixed(0).padStart(5)} %`);
    }
    console.log(`\novershoot: 64 callers × 10 on one user with 32 left → used ${overshoot.used} / limit ${overshoot.limit} (${overshoot.exact ? "exact" : "OVERSHOOT"}), ${overshoot.allowed} allowed, ${overshoot.refused402} refused (402)`);
    console.log(`batch ingestion over HTTP (next start, ${HTTP_CLIENTS} clients × ${BATCH}-event batches): ${ingestion.eventsPerSecond.toFixed(0)} events/s, p50 ${ingestion.p50ms.toFixed(1)} ms, p99 ${ingestion.p99ms.toFixed(1)} ms per batch`);

    const reportPath = process.env.BENCH_REPORT ?? path.join(".data", "bench-usage.json");
    mkdirSync(path.dirname(reportPath), { recursive: true });
    writeFileSync(reportPath, JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, levels: rows, overshoot, ingestion }, null, 2));
    console.log(`\nreport: ${reportPath}`);
  } finally {
    server?.kill("SIGTERM");
    if (server) await waitForExit(server);
    await database.close();
    await scratch.drop();
  }
});
