import { reportBillableUsage } from "@/lib/billing/usage-report";
import { cronRoute } from "@/lib/http/cron";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Reports billable usage to Stripe Billing Meters (see vercel.json). */
export const GET = cronRoute(reportBillableUsage);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
