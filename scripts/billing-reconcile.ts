/** `npm run billing:reconcile`: repair drift between Stripe and the database, replay failed webhooks. */
import { formatReconcileReport, reconcileBilling } from "@/lib/billing/reconcile";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const report = await reconcileBilling();
  console.log(formatReconcileReport(report));
});
