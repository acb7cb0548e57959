/** `npm run notifications:deliver`: one round of the delivery job (customer emails, operator alerts). */
import { runDeliveryJob } from "@/lib/jobs";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const { notifications, alerts } = await runDeliveryJob();
  console.log(`emails: ${notifications.sent} sent, ${notifications.retrying} to retry, ${notifications.failed} given up`);
  console.log(`alerts: ${alerts.sent} sent, ${alerts.retrying} to retry, ${alerts.failed} given up`);
});
