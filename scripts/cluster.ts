/**
 * `npm run cluster`: the production shape on one machine. CLUSTER_INSTANCES (default 3) `next start`
 * instances of one build, started at the same moment, behind HAProxy (round-robin, health-checked),
 * PgBouncer in transaction mode in front of a private Postgres, and the Stripe emulator delivering
 * webhooks to the balancer. Builds first when there is no build (CLUSTER_BUILD=1 always builds).
 * Everything runs in temp dirs outside the checkout and stops on Ctrl-C, like `npm run dev`; the data
 * goes with it.
 */
import { openDatabase } from "@/db/client";
import { seedDemoAccounts } from "@/lib/database/seed";
import { startCluster, type Cluster } from "./lib/cluster";
import { errorMessage, Supervisor } from "./lib/supervisor";

const supervisor = new Supervisor("npm run cluster");

async function main(): Promise<void> {
  const instances = Number(process.env.CLUSTER_INSTANCES ?? 3);
  if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
    return supervisor.fail(`CLUSTER_INSTANCES must be a whole number from 1 to 16, not "${process.env.CLUSTER_INSTANCES}".`);
  }
  const port = Number(process.env.PORT ?? 3000);
  const verbose = process.env.CLUSTER_VERBOSE === "1";
  let ready = false;
  const starting = startCluster({
    instances,
    port,
    build: process.env.CLUSTER_BUILD === "1" ? true : undefined,
    chaos: process.env.CLUSTER_CHAOS === "1",
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    log: (line) => {
      // Start-up progress, then what an instance or the balancer says (warnings and errors).
      if (verbose || !ready || line.startsWith("[app") || line.startsWith("[haproxy]")) console.log(line);
    },
  });
  // Ctrl-C while it starts: the start-up finishes or fails (cleaning up after itself), then everything stops.
  supervisor.onStop(async () => {
    const running = await starting.catch(() => undefined);
    if (running) console.log("stopping the cluster…");
    await running?.stop();
  });
  const cluster: Cluster = await starting.catch((error: unknown) =>
    supervisor.fail(
      `the cluster could not start (${errorMessage(error)}). It needs haproxy, pgbouncer and PostgreSQL's server binaries (apt-get install haproxy pgbouncer postgresql; on macOS brew install haproxy pgbouncer postgresql@15), and port ${port} free (PORT=3001 npm run cluster).`,
    ),
  );
  ready = true;

  // The demo accounts, once, on the shared database (the instances do not seed: SEED_DEMO_ACCOUNTS=false).
  const handle = await openDatabase({ url: cluster.databaseUrl, max: 1 });
  try {
    await seedDemoAccounts(handle.db);
  } finally {
    await handle.close();
  }

  console.log(`\nCluster ready: ${cluster.url}  (HAProxy, round-robin over ${instances} instances)`);
  for (const i of cluster.instances) console.log(`  instance ${i.index}: ${i.url}  pid ${i.pid}`);
  console.log(`  Postgres (direct): ${cluster.databaseUrl}`);
  console.log(`  PgBouncer (transaction mode): ${cluster.pooledUrl}`);
  console.log(`  Stripe emulator: ${cluster.emulatorUrl}  (test card 4242 4242 4242 4242)`);
  console.log(`  CRON_SECRET for /api/cron/*: ${cluster.env.CRON_SECRET}`);
  console.log("Ctrl-C stops everything (the data is thrown away).");
}

main().catch((error: unknown) => supervisor.fail(`it crashed: ${errorMessage(error)}`, error));
