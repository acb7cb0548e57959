/** `npm run usage:report`: sends billable usage of `bill` meters to Stripe Billing Meters, each event once. */
import { reportBillableUsage } from "@/lib/billing/usage-report";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const report = await reportBillableUsage();
  console.log(
    `usage:report sent ${report.sent} meter events, ${report.duplicates} already in Stripe, ${report.units} billable units; ${report.skipped} without a Stripe customer left for later`,
  );
});
