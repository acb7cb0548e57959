/**
 * `npm run soak` — the chaos soak (scripts/lib/soak.ts). SOAK_LIFECYCLES (default 1000) and
 * SOAK_CONCURRENCY (default 16). Needs PostgreSQL server binaries (it runs its own private server)
 * and root or the postgres user. Exits 1 on any invariant violation.
 */
import { formatSoakReport, runSoak } from "./lib/soak";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const report = await runSoak({
    lifecycles: Number(process.env.SOAK_LIFECYCLES ?? 1000),
    concurrency: Number(process.env.SOAK_CONCURRENCY ?? 16),
    seed: process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : undefined,
    log: (line) => console.log(line),
  });
  console.log(formatSoakReport(report));
  if (report.invariants.differences.length > 0 || report.failedEvents > 0) process.exitCode = 1;
});
