/**
 * The production shape, started on one machine with real components: N `next start` instances of
 * one build behind HAProxy (round-robin, health-checked on /api/health), PgBouncer in transaction
 * mode in front of one Postgres, and the Stripe emulator delivering webhooks to the balancer.
 * Used by `npm run cluster`, `npm run bench:cluster`, the cluster soak and the cluster tests.
 * Everything it creates (database files, configs, sockets) lives in temp dirs outside the checkout
 * and is removed by `stop()`.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { pushCatalog } from "@/lib/stripe/catalog-push";
import { createStripeClient } from "@/lib/stripe/client";
import { startEmulator, type EmulatorHandle } from "stripe-emulator";
import { startHaproxy, type Haproxy } from "./haproxy";
import { startPgBouncer, type PgBouncer } from "./pgbouncer";
import { startPrivatePostgres, type PrivatePostgres } from "./private-postgres";
import { assertPortFree, freePort } from "./processes";
import { createScratchDatabase, type ScratchDatabase } from "./scratch-database";
import { keepAliveTimeoutMs, runNext, waitForExit } from "./spawn-next";

export interface ClusterOptions {
  /** App instances (default 3). */
  instances?: number;
  /** PgBouncer (transaction mode) between the app and Postgres; default true. */
  pooler?: boolean;
  /**
   * Use this Postgres server: a scratch database is created on it and dropped at stop. Default: a
   * private Postgres (startPrivatePostgres), which allows stopDatabase().
   */
  serverUrl?: string;
  /** Run `next build` first; default: only when .next/BUILD_ID is missing. */
  build?: boolean;
  /**
   * Extra env for every instance (e.g. RATE_LIMITS, CRON_SECRET, DATABASE_POOL_SIZE). The instances
   * inherit this process's env except the app's database, Stripe, auth URL and rate-limit settings
   * (a test runner's RATE_LIMITS=off or PGLITE_DIR must not leak into the cluster): set those here.
   */
  env?: Record<string, string>;
  /** Emulator chaos delivery (duplicates, out of order, concurrent). */
  chaos?: boolean;
  /** Load balancer port (default: a free port). */
  port?: number;
  /** PgBouncer's server connections per database (default_pool_size, default 20). */
  poolerPoolSize?: number;
  log?: (line: string) => void;
}

export interface ClusterInstance {
  index: number;
  url: string;
  port: number;
  pid: number | undefined;
}

export interface Cluster {
  /** The load balancer (HAProxy, round-robin, health-checked on /api/health). */
  url: string;
  /** The emulator, delivering webhooks to `${url}/api/billing/webhook`. */
  emulatorUrl: string;
  webhookSecret: string;
  /** DIRECT url of the cluster's database (for the invariant checker). */
  databaseUrl: string;
  /** Through PgBouncer when pooler. */
  pooledUrl: string | undefined;
  instances: ClusterInstance[];
  /** The env every instance got (NEXTAUTH_SECRET, CRON_SECRET, …). */
  env: Record<string, string>;
  /** Resolves when the process exited. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** (Re)starts it; resolves when healthy. */
  start(index: number): Promise<void>;
  restartPooler(): Promise<void>;
  /** Private Postgres only: stop, wait ms, start. */
  stopDatabase(ms: number): Promise<void>;
  /** Everything, in reverse order. */
  stop(): Promise<void>;
  /** Beyond the shared interface, for benchmarks and diagnostics. */
  balancer: Haproxy;
  /** PgBouncer's port (its admin console is the database `pgbouncer` there), when pooler. */
  poolerPort: number | undefined;
  emulator: EmulatorHandle;
  /** The last output of instance `index` (its stdout and stderr). */
  output(index: number): string;
}

/** Start-up of N instances on a small machine (next start + migration): generous, yet bounded. */
const HEALTHY_WITHIN_MS = Number(process.env.CLUSTER_START_TIMEOUT_MS ?? 180_000);

const secret = (prefix: string) => `${prefix}_${randomBytes(18).toString("hex")}`;

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => {});
  const count = options.instances ?? 3;
  const usePooler = options.pooler ?? true;
  const cleanups: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => log(`while stopping: ${error instanceof Error ? error.message : String(error)}`));
    }
  };

  try {
    // A taken balancer port fails now, not after the database and the instances have started.
    if (options.port !== undefined) {
      const port = options.port;
      await assertPortFree(port, "127.0.0.1").catch((error: NodeJS.ErrnoException) => {
        throw new Error(`port ${port} for the load balancer is not free (${error.code ?? error.message})`);
      });
    }
    // The database: a private server, or a scratch database on the one given.
    let pg: PrivatePostgres | undefined;
    let scratch: ScratchDatabase | undefined;
    let databaseUrl: string;
    if (options.serverUrl) {
      scratch = await createScratchDatabase(options.serverUrl, "cluster");
      cleanups.push(() => scratch!.drop());
      databaseUrl = scratch.url;
    } else {
      pg = await startPrivatePostgres();
      cleanups.push(() => pg!.destroy());
      databaseUrl = pg.url;
    }
    log(`postgres: ${databaseUrl}`);
    // Through a transaction pooler the instances cannot send their timeouts as startup parameters
    // (DATABASE_POOLER=transaction): set on the database, as docs/deploying.md tells operators to.
    await withConnection(databaseUrl, (sql) =>
      sql.unsafe(
        `alter database "${new URL(databaseUrl).pathname.slice(1)}" set statement_timeout = '5s'; alter database "${new URL(databaseUrl).pathname.slice(1)}" set idle_in_transaction_session_timeout = '10s'`,
      ),
    );

    let pooler: PgBouncer | undefined;
    if (usePooler) {
      pooler = await startPgBouncer(databaseUrl, { poolSize: options.poolerPoolSize ?? 20 });
      cleanups.push(() => pooler!.stop());
      log(`pgbouncer (transaction mode): ${pooler.url(databaseUrl)}`);
    }
    const pooledUrl = pooler?.url(databaseUrl);

    if (options.build === true || (options.build === undefined && !existsSync(path.join(process.cwd(), ".next", "BUILD_ID")))) {
      log("building the app (next build)…");
      const code = await waitForExit(runNext(["build"], { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" }));
      if (code !== 0) throw new Error(`next build failed with exit code ${code}`);
    }

    const balancerPort = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${balancerPort}`;
    const webhookSecret = secret("whsec_cluster");
    const emulator = await startEmulator({ port: 0, webhookUrl: `${url}/api/billing/webhook`, webhookSecret, testMode: true });
    cleanups.push(() => emulator.stop());
    if (options.chaos) {
      const res = await fetch(`${emulator.url}/_emulator/config`, {
        method: "POST",
        body: JSON.stringify({ chaos: { duplicate: true, outOfOrder: true, concurrent: true } }),
      });
      if (!res.ok) throw new Error(`emulator chaos config answered ${res.status}`);
    }
    await pushCatalog(createStripeClient({ STRIPE_EMULATOR_URL: emulator.url }), { returnUrl: `${url}/billing` });
    log(`stripe emulator: ${emulator.url} (webhooks to ${url}/api/billing/webhook)`);

    const env = clusterInstanceEnv({ url, databaseUrl, pooledUrl, emulatorUrl: emulator.url, webhookSecret, extra: options.env });

    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const instances: ClusterInstance[] = ports.map((port, index) => ({ index, port, url: `http://127.0.0.1:${port}`, pid: undefined }));
    const children = new Map<number, ChildProcess>();
    const outputs = new Map<number, string>();

    const spawnInstance = (instance: ClusterInstance) => {
      // Through runNext, as `npm start`: NEXT_MANUAL_SIG_HANDLE, so SIGTERM drains it (lib/shutdown.ts).
      const child = runNext(
        [
          "start",
          "--port",
          String(instance.port),
          "--hostname",
          "127.0.0.1",
          "--keepAliveTimeout",
          keepAliveTimeoutMs({ ...process.env, ...env } as NodeJS.ProcessEnv),
        ],
        { ...inheritedEnv(), ...env, PORT: String(instance.port) },
        { pipeOutput: true },
      );
      outputs.set(instance.index, "");
      const onData = (chunk: Buffer) => {
        const text = chunk.toString();
        outputs.set(instance.index, ((outputs.get(instance.index) ?? "") + text).slice(-20_000));
        for (const line of text.split("\n")) if (line.trim()) log(`[app ${instance.index}] ${line}`);
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code, signal) => log(`[app ${instance.index}] exited (${signal ?? code})`));
      children.set(instance.index, child);
      instance.pid = child.pid;
      return child;
    };

    const waitHealthy = async (instance: ClusterInstance) => {
      const child = children.get(instance.index)!;
      const until = Date.now() + HEALTHY_WITHIN_MS;
      while (Date.now() < until) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `app instance ${instance.index} exited (${child.signalCode ?? child.exitCode}) before it was healthy:\n${outputs.get(instance.index)}`,
          );
        }
        // Any failure (refused, a 503 while it starts, no answer within 5 s on a loaded machine) is "not yet".
        const status = await fetch(`${instance.url}/api/health`, { signal: AbortSignal.timeout(5_000) })
          .then(async (r) => (await r.arrayBuffer(), r.status))
          .catch(() => 0);
        if (status === 200) return;
        await sleep(250);
      }
      throw new Error(
        `app instance ${instance.index} (${instance.url}) not healthy after ${HEALTHY_WITHIN_MS} ms:\n${outputs.get(instance.index)}`,
      );
    };

    const killInstance = async (index: number, signal: NodeJS.Signals = "SIGTERM") => {
      const child = children.get(index);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGCONT");
      child.kill(signal);
      await exited;
    };
    cleanups.push(async () => {
      // SIGTERM (graceful: health 503, in-flight requests finish), SIGKILL after a deadline.
      await Promise.all(
        instances.map(async (i) => {
          const child = children.get(i.index);
          if (!child || child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
          child.kill("SIGTERM");
          await Promise.race([exited, sleep(15_000)]);
          if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGKILL");
            await exited;
          }
        }),
      );
    });

    // All at the same moment: the case that used to hang (migrations through the pooler).
    log(`starting ${count} app instances at once on ports ${ports.join(", ")}…`);
    for (const instance of instances) spawnInstance(instance);

    await Promise.all(instances.map(waitHealthy));
    log("every instance answers /api/health with 200");

    // The balancer after the instances: it never answers 503 "no server available" at start-up.
    const balancer = await startHaproxy({
      port: balancerPort,
      backends: instances.map((i) => ({ name: `app${i.index}`, address: `127.0.0.1:${i.port}` })),
      log: (line) => log(line),
    });
    cleanups.push(() => balancer.stop());
    // The balancer answers once its health checks have seen an instance up (one check, ≤ 500 ms).
    const until = Date.now() + 10_000;
    while (
      !(await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) })
        .then(async (r) => (await r.arrayBuffer(), r.ok))
        .catch(() => false))
    ) {
      if (Date.now() > until) throw new Error(`the balancer ${url} does not answer /api/health with 200:\n${balancer.output()}`);
      await sleep(100);
    }
    // Every backend UP at the balancer, so the first requests are spread over all of them.
    while ((await balancer.backends()).some((b) => !b.status.startsWith("UP"))) {
      if (Date.now() > until) throw new Error(`not every instance is UP at the balancer: ${JSON.stringify(await balancer.backends())}`);
      await sleep(100);
    }
    log(`cluster ready: ${url} → ${count} instances`);

    return {
      url,
      emulatorUrl: emulator.url,
      webhookSecret,
      databaseUrl,
      pooledUrl,
      instances,
      env,
      balancer,
      poolerPort: pooler?.port,
      emulator,
      output: (index) => outputs.get(index) ?? "",
      kill: killInstance,
      async start(index) {
        const instance = instances[index];
        if (!instance) throw new Error(`no instance ${index}`);
        const running = children.get(index);
        if (running && running.exitCode === null && running.signalCode === null) await killInstance(index, "SIGTERM");
        spawnInstance(instance);
        await waitHealthy(instance);
      },
      async restartPooler() {
        if (!pooler) throw new Error("this cluster runs without a pooler");
        await pooler.restart();
      },
      async stopDatabase(ms) {
        if (!pg) throw new Error("stopDatabase needs the cluster's private Postgres (no serverUrl)");
        // Without blocking this process: the in-process emulator keeps delivering (and failing) meanwhile.
        await pg.stopAsync();
        try {
          await sleep(ms);
        } finally {
          await pg.startAsync();
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** This process's env without the settings the cluster decides (see ClusterOptions.env). */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(DATABASE_|STRIPE_|NEXTAUTH_)/.test(key) && !["PGLITE_DIR", "RATE_LIMITS", "APP_URL", "PORT"].includes(key),
    ),
  ) as NodeJS.ProcessEnv;
}

/** The env every instance gets (also what docker-compose.yml's app service must set: tests/unit/docker-compose.test.ts). */
export function clusterInstanceEnv(options: {
  url: string;
  databaseUrl: string;
  pooledUrl: string | undefined;
  emulatorUrl: string;
  webhookSecret: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: options.pooledUrl ?? options.databaseUrl,
    ...(options.pooledUrl ? { DATABASE_POOLER: "transaction", DATABASE_URL_DIRECT: options.databaseUrl } : {}),
    STRIPE_EMULATOR_URL: options.emulatorUrl,
    STRIPE_WEBHOOK_SECRET: options.webhookSecret,
    NEXTAUTH_URL: options.url,
    APP_URL: options.url,
    NEXTAUTH_SECRET: secret("nextauth"),
    CRON_SECRET: secret("cron"),
    INTERNAL_API_KEY: secret("internal"),
    SEED_DEMO_ACCOUNTS: "false",
    LOG_LEVEL: "warn",
    ...options.extra,
  };
}

async function withConnection<T>(url: string, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end();
  }
}

/** Connections at Postgres by state (pg_stat_activity), for benchmarks and diagnostics. */
export async function postgresConnections(directUrl: string): Promise<Array<{ state: string; count: number }>> {
  return withConnection(directUrl, async (sql) => {
    const rows = await sql<{ state: string | null; count: string }[]>`
      select state, count(*) from pg_stat_activity where backend_type = 'client backend' and datname = current_database() and pid <> pg_backend_pid() group by state`;
    return rows.map((r) => ({ state: r.state ?? "unknown", count: Number(r.count) }));
  });
}
