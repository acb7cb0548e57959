/**
 * `npm run bench:cluster` — how the cluster scales, in ONE run on one machine: webhook first
 * deliveries/s and consumes/s through 3 instances and through 1 instance (the baseline), each
 * through the same HAProxy, PgBouncer (transaction mode) and Postgres. For every phase it prints
 * where the CPU went (Postgres backends, the app instances, HAProxy, PgBouncer, this driver with the
 * in-process emulator; /proc/<pid>/stat over the measured window), the time Postgres spent executing
 * statements (pg_stat_statements, loaded into the private server) with the top statements, the time
 * clients waited for a server connection at PgBouncer (SHOW STATS), and the most connections in use
 * at PgBouncer (SHOW POOLS) and at Postgres (pg_stat_activity).
 *
 *   npm run bench:cluster        (BENCH_CUSTOMERS per webhook phase, default 60; BENCH_SECONDS per consume phase, default 8)
 *
 * Everything runs on a private Postgres it starts (temp dir), with the build in .next (built first
 * when missing). Every instance is warmed up first; the baseline runs with instances 1 and 2 out of
 * rotation at the balancer (running, idle), then all three take the same load.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import Stripe from "stripe";
import { openDatabase, setAppDatabase, type DatabaseHandle } from "@/db/client";
import { subscriptions, users } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { startCheckout } from "@/lib/billing/checkout";
import { clearPriceCache } from "@/lib/stripe/gateway";
import { emulatorStripeClient } from "stripe-emulator";
import { startCluster, type Cluster } from "../lib/cluster";
import { childPids } from "../lib/processes";
import { startPrivatePostgres, type PrivatePostgres } from "../lib/private-postgres";
import { runScript } from "../lib/run-script";
import { runPool, summarize, type LoadResult } from "./load";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 60);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const POOL_SIZE = Number(process.env.BENCH_POOLER_POOL_SIZE ?? 20);
/** BENCH_POOLER=0: the instances connect straight to Postgres (prepared statements), for comparison. */
const POOLER = process.env.BENCH_POOLER !== "0";
/** The driver's own connections carry this name and are left out of the connection counts. */
const DRIVER = "bench-driver";
const WARMUP_CONSUMES = 300;
const TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

interface Run {
  latencies: number[];
  errors: number;
}

type Group = "postgres" | "app" | "haproxy" | "pgbouncer" | "driver+emulator";
const GROUPS: Group[] = ["postgres", "app", "haproxy", "pgbouncer", "driver+emulator"];

interface PhaseReport {
  label: string;
  instances: number;
  latencies: number[];
  errors: number;
  seconds: number;
  result: LoadResult;
  cpuSeconds: Record<Group, number>;
  pgExecMs: number;
  pgCalls: number;
  topStatements: Array<{ query: string; calls: number; ms: number }>;
  poolerWaitMs: number;
  poolerTransactions: number;
  maxClientsAtPooler: number;
  maxWaitingAtPooler: number;
  maxServerConnections: number;
  maxActiveServerConnections: number;
  maxPostgresConnections: number;
  maxPostgresActive: number;
}

/** utime+stime (+ reaped children's) of a process, in seconds; 0 when it is gone. */
function cpuOf(pid: number | undefined, withChildren = false): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11..14] = utime, stime, cutime, cstime (stat fields 14–17)
    const own = Number(fields[11]) + Number(fields[12]);
    return (withChildren ? own + Number(fields[13]) + Number(fields[14]) : own) / TICKS;
  } catch {
    return 0;
  }
}

runScript(async () => {
  process.env.LOG_LEVEL = "silent";
  if (process.platform !== "linux") throw new Error("bench:cluster reads process CPU times from /proc: Linux only");
  const started = performance.now();
  let pg: PrivatePostgres | undefined;
  let cluster: Cluster | undefined;
  let handle: DatabaseHandle | undefined;
  let direct: postgres.Sql | undefined;
  let admin: postgres.Sql | undefined;
  try {
    // A private Postgres with pg_stat_statements loaded (needs a restart).
    pg = await startPrivatePostgres();
    const boot = postgres(pg.url, { max: 1, onnotice: () => {} });
    await boot`alter system set shared_preload_libraries = 'pg_stat_statements'`;
    await boot.end();
    pg.stop();
    pg.start();

    console.log(
      `starting the cluster: 3 instances, ${POOLER ? `PgBouncer (transaction mode, pool ${POOL_SIZE})` : "no pooler (direct, prepared statements)"}, HAProxy…`,
    );
    cluster = await startCluster({
      instances: 3,
      serverUrl: pg.url,
      pooler: POOLER,
      poolerPoolSize: POOL_SIZE,
      log: (l) => (l.startsWith("[app") && /error/i.test(l) ? console.log(l) : undefined),
    });
    const c = cluster;
    direct = postgres(c.databaseUrl, { max: 2, onnotice: () => {}, connection: { application_name: DRIVER } });
    await direct`create extension if not exists pg_stat_statements`;
    admin = c.poolerPort
      ? postgres(`postgres://postgres@127.0.0.1:${c.poolerPort}/pgbouncer`, {
          fetch_types: false,
          prepare: false,
          max: 1,
          onnotice: () => {},
        })
      : undefined;
    const [{ data_directory: dataDir }] = await direct<
      { data_directory: string }[]
    >`select current_setting('data_directory') as data_directory`;
    const postmaster = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    const pgbouncerPid = childPids(process.pid).find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "pgbouncer";
      } catch {
        return false;
      }
    });
    const database = new URL(c.databaseUrl).pathname.slice(1);

    const driverUrl = new URL(c.databaseUrl);
    driverUrl.searchParams.set("application_name", DRIVER);
    handle = await openDatabase({ url: driverUrl.toString(), max: 8 });
    setAppDatabase(handle);
    const db = handle.db;
    Object.assign(process.env, { STRIPE_EMULATOR_URL: c.emulatorUrl, STRIPE_WEBHOOK_SECRET: c.webhookSecret, APP_URL: c.url });
    clearPriceCache();
    const stripe = emulatorStripeClient(c.emulatorUrl);
    const emulatorConfig = (body: unknown) =>
      fetch(`${c.emulatorUrl}/_emulator/config`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());

    // The workload's events: checkouts completed on the emulator with its deliveries off; this
    // driver then posts them, signed, through the balancer. One set per phase (first deliveries of
    // fresh customers each time), and a small one to warm every instance up.
    await emulatorConfig({ webhookUrl: null });
    const seen = new Set<string>();
    for await (const event of stripe.events.list({ limit: 100 })) seen.add(event.id);
    async function eventSet(customers: number, tag: string): Promise<string[]> {
      await runPool(customers, 8, async (i) => {
        const [user] = await db
          .insert(users)
          .values({ email: `bench-${tag}-${i}-${randomBytes(3).toString("hex")}@example.com` })
          .returning();
        const { url } = await startCheckout(user, i % 2 ? "pro" : "scale", i % 3 ? "month" : "year");
        const id = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
        const res = await fetch(`${c.emulatorUrl}/_emulator/checkout/sessions/${id}/complete`, {
          method: "POST",
          body: JSON.stringify({ card: "4242424242424242" }),
        });
        return res.ok;
      });
      const fresh: Stripe.Event[] = [];
      for await (const event of stripe.events.list({ limit: 100 })) if (!seen.has(event.id)) fresh.push(event);
      for (const e of fresh) seen.add(e.id);
      return fresh.reverse().map((e) => JSON.stringify(e));
    }
    console.log(`creating the events of ${2 * CUSTOMERS + 24} checkouts on the emulator…`);
    const warmup = await eventSet(24, "warm");
    const sets = { three: await eventSet(CUSTOMERS, "three"), one: await eventSet(CUSTOMERS, "one") };
    console.log(`  ${sets.three.length} + ${sets.one.length} events (${warmup.length} to warm up)`);

    const postEvent = async (base: string, payload: string) => {
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: c.webhookSecret });
      const res = await fetch(`${base}/api/billing/webhook`, {
        method: "POST",
        headers: { "stripe-signature": header, "content-type": "application/json" },
        body: payload,
      });
      await res.arrayBuffer();
      return res.status === 200;
    };

    // Consumers: one Scale account and API key per worker (the `usage` rate limit is per account).
    const keys: string[] = [];
    for (let w = 0; w < CONCURRENCY; w += 1) {
      const [user] = await db
        .insert(users)
        .values({ email: `bench-consume-${w}-${randomBytes(3).toString("hex")}@example.com` })
        .returning();
      await db.insert(subscriptions).values({
        accountId: user.id,
        providerSubscriptionId: `sub_bench_${randomBytes(6).toString("hex")}`,
        status: "active",
        planId: "scale",
        interval: "month",
        currentPeriodStart: new Date(Date.now() - 86_400_000),
        currentPeriodEnd: new Date(Date.now() + 20 * 86_400_000),
      });
      keys.push((await createApiKey(user.id, user.id, { name: "bench" })).key);
    }
    let sequence = 0;
    const consumeOnce = async (base: string, worker: number) => {
      const res = await fetch(`${base}/api/billing/usage`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys[worker]}`, "content-type": "application/json" },
        body: JSON.stringify({ meter: "api_calls", quantity: 1, idempotencyKey: `c-${worker}-${sequence++}` }),
      });
      await res.arrayBuffer();
      return res.status === 200;
    };

    // Warm every instance up directly (module loading, JIT, pools, caches) with as much work as a phase gives it.
    console.log("warming every instance up…");
    await Promise.all(
      c.instances.map(async (instance) => {
        for (const payload of warmup.filter((_, i) => i % c.instances.length === instance.index)) await postEvent(instance.url, payload);
        await runPool(WARMUP_CONSUMES, 4, (i) => consumeOnce(instance.url, (instance.index * 4 + (i % 4)) % CONCURRENCY));
      }),
    );

    async function sampleConnections(into: PhaseReport) {
      const pools = admin ? ((await admin.unsafe("SHOW POOLS").simple()) as unknown as Array<Record<string, number | string>>) : [];
      const pool = pools.find((p) => p.database === database);
      if (pool) {
        into.maxClientsAtPooler = Math.max(into.maxClientsAtPooler, Number(pool.cl_active) + Number(pool.cl_waiting));
        into.maxWaitingAtPooler = Math.max(into.maxWaitingAtPooler, Number(pool.cl_waiting));
        into.maxServerConnections = Math.max(
          into.maxServerConnections,
          Number(pool.sv_active) + Number(pool.sv_idle) + Number(pool.sv_used) + Number(pool.sv_tested) + Number(pool.sv_login),
        );
        into.maxActiveServerConnections = Math.max(into.maxActiveServerConnections, Number(pool.sv_active));
      }
      const rows = await direct!<{ state: string | null; n: number }[]>`
        select state, count(*)::int as n from pg_stat_activity
        where backend_type = 'client backend' and datname = ${database} and application_name <> ${DRIVER} group by state`;
      into.maxPostgresConnections = Math.max(
        into.maxPostgresConnections,
        rows.reduce((sum, r) => sum + r.n, 0),
      );
      into.maxPostgresActive = Math.max(
        into.maxPostgresActive,
        rows.filter((r) => r.state === "active").reduce((sum, r) => sum + r.n, 0),
      );
    }
    const poolerStats = async () => {
      const stats = admin ? ((await admin.unsafe("SHOW STATS").simple()) as unknown as Array<Record<string, number | string>>) : [];
      const row = stats.find((s) => s.database === database);
      return { waitUs: Number(row?.total_wait_time ?? 0), xacts: Number(row?.total_xact_count ?? 0) };
    };
    const cpuNow = (): Record<Group, number> => {
      const own = process.cpuUsage();
      return {
        postgres: cpuOf(postmaster, true) + childPids(postmaster).reduce((sum, pid) => sum + cpuOf(pid), 0),
        app: c.instances.reduce((sum, i) => sum + cpuOf(i.pid), 0),
        haproxy: cpuOf(c.balancer.pid),
        pgbouncer: cpuOf(pgbouncerPid),
        "driver+emulator": (own.user + own.system) / 1e6,
      };
    };

    async function measure(label: string, instances: number, load: () => Promise<Run>): Promise<PhaseReport> {
      const report: PhaseReport = {
        label,
        instances,
        latencies: [],
        errors: 0,
        seconds: 0,
        result: summarize([], 0, 1),
        cpuSeconds: {} as Record<Group, number>,
        pgExecMs: 0,
        pgCalls: 0,
        topStatements: [],
        poolerWaitMs: 0,
        poolerTransactions: 0,
        maxClientsAtPooler: 0,
        maxWaitingAtPooler: 0,
        maxServerConnections: 0,
        maxActiveServerConnections: 0,
        maxPostgresConnections: 0,
        maxPostgresActive: 0,
      };
      await direct!`select pg_stat_statements_reset()`;
      const stats0 = await poolerStats();
      const cpu0 = cpuNow();
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          await sampleConnections(report).catch(() => {});
          await sleep(500);
        }
      })();
      const t0 = performance.now();
      const run = await load();
      Object.assign(report, { latencies: run.latencies, errors: run.errors, seconds: (performance.now() - t0) / 1000 });
      report.result = summarize(report.latencies, report.errors, report.seconds);
      const cpu1 = cpuNow();
      sampling = false;
      await sampler;
      const stats1 = await poolerStats();
      for (const g of GROUPS) report.cpuSeconds[g] = Math.max(0, cpu1[g] - cpu0[g]);
      report.poolerWaitMs = (stats1.waitUs - stats0.waitUs) / 1000;
      report.poolerTransactions = stats1.xacts - stats0.xacts;
      const statements = await direct!<{ query: string; calls: string; ms: number }[]>`
        select s.query, s.calls, s.total_exec_time as ms from pg_stat_statements s
        join pg_database d on d.oid = s.dbid where d.datname = ${database} order by s.total_exec_time desc`;
      report.pgExecMs = statements.reduce((sum, s) => sum + Number(s.ms), 0);
      report.pgCalls = statements.reduce((sum, s) => sum + Number(s.calls), 0);
      report.topStatements = statements
        .slice(0, 4)
        .map((s) => ({ query: s.query.replace(/\s+/g, " ").slice(0, 90), calls: Number(s.calls), ms: Number(s.ms) }));
      return report;
    }

    /** `task` from CONCURRENCY workers until `n` calls were made or the deadline passed. */
    const drive = async (task: (worker: number, i: number) => Promise<boolean>, n: number, deadline = Infinity): Promise<Run> => {
      const latencies: number[] = [];
      let errors = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, worker) => {
          while (next < n && performance.now() < deadline) {
            const i = next++;
            const t = performance.now();
            const ok = await task(worker, i).catch(() => false);
            latencies.push(performance.now() - t);
            if (!ok) errors += 1;
          }
        }),
      );
      return { latencies, errors };
    };
    const webhookLoad = (payloads: string[]) => () => drive((_, i) => postEvent(c.url, payloads[i]), payloads.length);
    const consumeLoad = (seconds: number) => () =>
      drive((worker) => consumeOnce(c.url, worker), Infinity, performance.now() + seconds * 1000);

    /** One phase measured over several windows: counts, times and CPU add up, maxima stay maxima. */
    const merge = (parts: PhaseReport[]): PhaseReport => {
      const [first] = parts;
      const sum = (pick: (p: PhaseReport) => number) => parts.reduce((t, p) => t + pick(p), 0);
      const max = (pick: (p: PhaseReport) => number) => Math.max(...parts.map(pick));
      const latencies = parts.flatMap((p) => p.latencies);
      const errors = sum((p) => p.errors);
      const seconds = sum((p) => p.seconds);
      const statements = new Map<string, { query: string; calls: number; ms: number }>();
      for (const t of parts.flatMap((p) => p.topStatements)) {
        const known = statements.get(t.query) ?? { query: t.query, calls: 0, ms: 0 };
        statements.set(t.query, { query: t.query, calls: known.calls + t.calls, ms: known.ms + t.ms });
      }
      return {
        ...first,
        latencies,
        errors,
        seconds,
        result: summarize(latencies, errors, seconds),
        cpuSeconds: Object.fromEntries(GROUPS.map((g) => [g, sum((p) => p.cpuSeconds[g])])) as Record<Group, number>,
        pgExecMs: sum((p) => p.pgExecMs),
        pgCalls: sum((p) => p.pgCalls),
        topStatements: [...statements.values()].sort((a, b) => b.ms - a.ms).slice(0, 4),
        poolerWaitMs: sum((p) => p.poolerWaitMs),
        poolerTransactions: sum((p) => p.poolerTransactions),
        maxClientsAtPooler: max((p) => p.maxClientsAtPooler),
        maxWaitingAtPooler: max((p) => p.maxWaitingAtPooler),
        maxServerConnections: max((p) => p.maxServerConnections),
        maxActiveServerConnections: max((p) => p.maxActiveServerConnections),
        maxPostgresConnections: max((p) => p.maxPostgresConnections),
        maxPostgresActive: max((p) => p.maxPostgresActive),
      };
    };

    const load0 = loadavg()[0];
    const rotation = async (up: number) => {
      for (const b of await c.balancer.backends()) await c.balancer.setBackend(b.name, Number(b.name.slice(3)) < up ? "enable" : "disable");
      while ((await c.balancer.backends()).filter((b) => b.status.startsWith("UP")).length !== up) await sleep(100);
    };
    // Alternating 1, 3, 3, 1 instances (two rounds, half the work each), so a machine whose other load
    // drifts during the run weighs on both alike. With 1 instance, instances 1 and 2 are out of
    // rotation at the balancer (running, idle, warm).
    const windows: Record<string, PhaseReport[]> = {};
    const half = (payloads: string[], round: number) => payloads.filter((_, i) => i % 2 === round);
    for (const [round, instances] of [
      [0, 1],
      [0, 3],
      [1, 3],
      [1, 1],
    ] as const) {
      await rotation(instances);
      console.log(`round ${round + 1}: ${instances} instance${instances > 1 ? "s" : ""} (${CONCURRENCY} concurrent)…`);
      const set = instances === 1 ? sets.one : sets.three;
      (windows[`w${instances}`] ??= []).push(await measure("webhooks, first deliveries", instances, webhookLoad(half(set, round))));
      (windows[`c${instances}`] ??= []).push(await measure(`consume over HTTP (${SECONDS} s)`, instances, consumeLoad(SECONDS / 2)));
    }
    const phases = ["w1", "c1", "w3", "c3"].map((k) => merge(windows[k]));

    // Every posted event must be processed (or ignored) — the figures count only correct work.
    const [inbox] = await direct<{ done: number; other: number }[]>`
      select count(*) filter (where status in ('processed', 'ignored'))::int as done, count(*) filter (where status not in ('processed', 'ignored'))::int as other from webhook_events`;

    const fmt = (n: number, d = 0) => n.toFixed(d);
    console.log(
      `\ncluster benchmark: ${cpus().length} CPU cores on this machine (shared with everything else running; load average ${fmt(load0, 1)} at the start)`,
    );
    if (readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() === "1") {
      console.log(
        "note: the kernel's autogroup scheduling is on: every process this run started (except Postgres, which pg_ctl puts in a session of its own) shares ONE fair share of the CPU with the other sessions on this machine, so 3 instances get no more CPU than 1",
      );
    }
    console.log(
      `one Postgres 15 (private, fsync off), ${POOLER ? `PgBouncer 1.18 transaction mode (default_pool_size ${POOL_SIZE})` : "no pooler"}, HAProxy 2.6 round-robin; each instance's pool DATABASE_POOL_SIZE=10; the driver and the emulator share the machine\n`,
    );
    for (const p of phases) {
      const cpuTotal = GROUPS.reduce((s, g) => s + p.cpuSeconds[g], 0);
      console.log(
        `${p.label} through ${p.instances} instance${p.instances > 1 ? "s" : ""}: ${fmt(p.result.perSecond)}/s  (n=${p.result.count}, p50 ${fmt(p.result.p50)} ms, p99 ${fmt(p.result.p99)} ms, errors ${p.result.errors}; rounds ${windows[`${p.label[0]}${p.instances}`].map((w) => fmt(w.result.perSecond)).join(" and ")}/s)`,
      );
      console.log(
        `  CPU over ${fmt(p.result.seconds, 1)} s: ${GROUPS.map((g) => `${g} ${fmt((100 * p.cpuSeconds[g]) / cpuTotal)} % (${fmt(p.cpuSeconds[g] / p.result.seconds, 2)} cores)`).join(", ")}; total ${fmt(cpuTotal / p.result.seconds, 2)} of ${cpus().length} cores`,
      );
      console.log(`  CPU per operation: ${GROUPS.map((g) => `${g} ${fmt((1000 * p.cpuSeconds[g]) / p.result.count, 2)} ms`).join(", ")}`);
      console.log(
        `  Postgres: ${fmt(p.pgExecMs / p.result.count, 2)} ms executing statements per operation (${fmt(p.pgCalls / p.result.count, 1)} statements; ${fmt(p.pgExecMs / 1000 / p.result.seconds, 2)} backends busy on average); PgBouncer: ${fmt(p.poolerTransactions / p.result.count, 1)} transactions per operation, clients waited ${fmt(p.poolerWaitMs / p.result.count, 2)} ms per operation for a server connection`,
      );
      console.log(
        `  connections (max sampled every 0.5 s): PgBouncer clients ${p.maxClientsAtPooler} (waiting ${p.maxWaitingAtPooler}), server connections ${p.maxServerConnections} (active ${p.maxActiveServerConnections}) of pool ${POOL_SIZE}; Postgres backends for the app ${p.maxPostgresConnections} (active ${p.maxPostgresActive})`,
      );
      for (const s of p.topStatements)
        console.log(`    ${fmt(s.ms / p.result.count, 3)} ms/op  ${String(s.calls).padStart(6)} calls  ${s.query}`);
    }
    const ratio = (kind: string) => {
      const three = phases.find((p) => p.instances === 3 && p.label.startsWith(kind))!;
      const one = phases.find((p) => p.instances === 1 && p.label.startsWith(kind))!;
      return `${kind}: ${fmt(one.result.perSecond)}/s → ${fmt(three.result.perSecond)}/s, ${fmt(three.result.perSecond / one.result.perSecond, 2)}× the 1-instance baseline`;
    };
    console.log(`\n3 instances vs 1 (baseline):`);
    console.log(`  ${ratio("webhooks")}`);
    console.log(`  ${ratio("consume")}`);
    console.log(`  every posted event processed: ${inbox.done} processed or ignored, ${inbox.other} not`);
    console.log(`  the whole run took ${fmt((performance.now() - started) / 1000)} s; load average at the end ${fmt(loadavg()[0], 1)}`);
    const errors = phases.reduce((s, p) => s + p.result.errors, 0);
    if (errors > 0 || inbox.other > 0) process.exitCode = 1;
  } finally {
    await admin?.end().catch(() => {});
    await direct?.end().catch(() => {});
    await handle?.close().catch(() => {});
    await cluster?.stop();
    pg?.destroy();
  }
});
