/**
 * `npm run cron`: the scheduled jobs for hosts without Vercel Cron (a container, a VM). Runs the
 * delivery job every minute (its cleanup also keeps usage_events' monthly partitions created ahead,
 * rolls old days up and applies USAGE_RETENTION_MONTHS: lib/billing/metering/storage.ts, at most
 * every 15 minutes across instances), the usage report every 10 minutes and reconciliation every hour, in this process, until stopped. Run one
 * instance per deployment (two are safe: deliveries are claimed with SKIP LOCKED, reconcile is
 * idempotent, but they would do the work twice).
 */
import { formatReconcileReport, reconcileBilling } from "@/lib/billing/reconcile";
import { reportBillableUsage } from "@/lib/billing/usage-report";
import { runDeliveryJob } from "@/lib/jobs";
import { logger } from "@/lib/logger";

const DELIVER_EVERY_MS = Number(process.env.CRON_DELIVER_EVERY_MS ?? 60_000);
const RECONCILE_EVERY_MS = Number(process.env.CRON_RECONCILE_EVERY_MS ?? 3_600_000);
const USAGE_REPORT_EVERY_MS = Number(process.env.CRON_USAGE_REPORT_EVERY_MS ?? 600_000);

function every(ms: number, name: string, job: () => Promise<void>): NodeJS.Timeout {
  let running = false;
  const tick = async () => {
    if (running) return; // never overlap a slow round
    running = true;
    try {
      await job();
    } catch (error) {
      logger.error({ err: error, job: name }, "cron job failed");
    } finally {
      running = false;
    }
  };
  void tick();
  return setInterval(() => void tick(), ms);
}

const timers = [
  every(DELIVER_EVERY_MS, "deliver", async () => {
    const report = await runDeliveryJob();
    logger.info({ job: "deliver", ...report }, "delivery job finished");
  }),
  every(USAGE_REPORT_EVERY_MS, "usage-report", async () => {
    logger.info({ job: "usage-report", ...(await reportBillableUsage()) }, "usage report finished");
  }),
  every(RECONCILE_EVERY_MS, "reconcile", async () => {
    logger.info({ job: "reconcile" }, formatReconcileReport(await reconcileBilling()));
  }),
];
logger.info(
  { deliverEveryMs: DELIVER_EVERY_MS, usageReportEveryMs: USAGE_REPORT_EVERY_MS, reconcileEveryMs: RECONCILE_EVERY_MS },
  "cron started",
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    timers.forEach(clearInterval);
    process.exit(0);
  });
}
