/** `npm run notifications:deliver`: one round of the delivery job (revenue alerts, customer emails, operator alerts, expired counters). */
import { runDeliveryJob } from "@/lib/jobs";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const { revenueAlerts, notifications, alerts, cleanup } = await runDeliveryJob();
  console.log(
    "error" in revenueAlerts
      ? `revenue alerts: evaluation failed: ${revenueAlerts.error}`
      : revenueAlerts.evaluated
        ? `revenue alerts: evaluated; fired: ${revenueAlerts.fired.join(", ") || "none"}; cleared: ${revenueAlerts.cleared.join(", ") || "none"}`
        : "revenue alerts: evaluated by an instance within the last 15 minutes, skipped",
  );
  console.log(`emails: ${notifications.sent} sent, ${notifications.retrying} to retry, ${notifications.failed} given up`);
  console.log(`alerts: ${alerts.sent} sent, ${alerts.retrying} to retry, ${alerts.failed} given up`);
  console.log(`expired counters removed: ${cleanup.rateLimits} rate limits, ${cleanup.anonymousUsage} anonymous usage`);
  const u = cleanup.usageStorage;
  console.log(
    u.ran
      ? `usage storage: partitions created: ${u.partitionsCreated.join(", ") || "none"}; ${u.daysRolledUp} days rolled up; dropped ${u.partitionsDropped.length} partitions and ${u.eventsDropped} events${u.errors.length ? `; errors: ${u.errors.join("; ")}` : ""}`
      : "usage storage: maintained by an instance within the last 15 minutes, skipped",
  );
});
