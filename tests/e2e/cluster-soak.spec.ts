import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ClusterSoakReport } from "../../scripts/lib/soak-cluster";
import { expect, test } from "./helpers";

/**
 * The short cluster soak (`npm run soak:cluster` is the long one): twelve random lifecycles over HTTP
 * through the balancer of two `next start` instances of the e2e build (.next), behind PgBouncer in
 * transaction mode, on a private Postgres and emulator of its own (free ports, nothing shared with
 * the e2e server), with chaos delivery, an instance SIGKILLed and started again, PgBouncer restarted
 * and Postgres stopped for 3 s. Then every invariant holds: the database equals Stripe, no quota
 * exceeded, every usage event counted once, every webhook processed once, every billable unit at
 * the Stripe meter once, one email per notification.
 */
test("cluster soak (short): lifecycles through the balancer of two instances survive a SIGKILL, a PgBouncer restart and a Postgres stop with every invariant holding", async () => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(path.join(tmpdir(), "cluster-soak-"));
  const reportFile = path.join(dir, "report.json");
  let output = "";
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn("npx", ["tsx", "scripts/soak-cluster.ts"], {
        env: {
          ...process.env,
          LOG_LEVEL: "silent",
          SOAK_LIFECYCLES: "12",
          SOAK_CONCURRENCY: "6",
          CLUSTER_INSTANCES: "2",
          SOAK_SEED: "19",
          SOAK_REPORT_FILE: reportFile,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.once("exit", resolve);
    });
    const report = JSON.parse(readFileSync(reportFile, "utf8")) as ClusterSoakReport;
    expect(report.incidents, output).toEqual([
      "instance 1 killed (SIGKILL) and started again",
      "PgBouncer restarted",
      "Postgres stopped for 3 s",
    ]);
    // It drove what it says: paid and Free lifecycles, plan actions, clock advances, usage.
    expect(report.invariants.subscriptions, output).toBeGreaterThanOrEqual(5);
    expect(Object.keys(report.actions).length, output).toBeGreaterThanOrEqual(8);
    expect(report.cluster.usageEvents, output).toBeGreaterThan(20);
    expect(report.cluster.refusedKeys, output).toBeGreaterThan(0);
    expect(report.cluster.webhookEvents.processed ?? 0, output).toBeGreaterThan(20);
    // The incidents were felt (answers retried by the driver) and left nothing behind.
    expect(report.retried, output).toBeGreaterThan(0);
    expect(report.unfinishedAfterDeliveries, output).toBe(0);
    expect(report.invariants.differences, output).toEqual([]);
    expect(report.cluster.differences, output).toEqual([]);
    expect(code, output).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
