/** `npm run notifications:deliver`: one round of the delivery job (customer emails, operator alerts, expired counters). */
import { runDeliveryJob } from "@/lib/jobs";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const { notifications, alerts, cleanup } = await runDeliveryJob();
  console.log(`emails: ${notifications.sent} sent, ${notifications.retrying} to retry, ${notifications.failed} given up`);
  console.log(`alerts: ${alerts.sent} sent, ${alerts.retrying} to retry, ${alerts.failed} given up`);
  console.log(`expired counters removed: ${cleanup.rateLimits} rate limits, ${cleanup.anonymousUsage} anonymous usage`);
});
