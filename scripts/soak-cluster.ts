/**
 * `npm run soak:cluster` — the cluster soak (scripts/lib/soak-cluster.ts): random lifecycles through
 * the load balancer of N instances (CLUSTER_INSTANCES, default 3) behind PgBouncer in transaction
 * mode, with chaos delivery and incidents. SOAK_LIFECYCLES (default 1000), SOAK_CONCURRENCY
 * (default 12), SOAK_SEED; SOAK_REPORT_FILE also writes the report as JSON there (the e2e spec reads
 * it). Needs a build (.next; made when missing), PostgreSQL server binaries, pgbouncer and haproxy.
 * Exits 1 on any invariant violation.
 */
import { writeFileSync } from "node:fs";
import { formatClusterSoakReport, runClusterSoak } from "./lib/soak-cluster";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const report = await runClusterSoak({
    lifecycles: Number(process.env.SOAK_LIFECYCLES ?? 1000),
    concurrency: Number(process.env.SOAK_CONCURRENCY ?? 12),
    instances: Number(process.env.CLUSTER_INSTANCES ?? 3),
    seed: process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : undefined,
    log: (line) => console.log(line),
  });
  console.log(formatClusterSoakReport(report));
  if (process.env.SOAK_REPORT_FILE) writeFileSync(process.env.SOAK_REPORT_FILE, JSON.stringify(report, null, 2));
  if (report.invariants.differences.length > 0 || report.cluster.differences.length > 0 || report.unfinishedAfterDeliveries > 0)
    process.exitCode = 1;
});
