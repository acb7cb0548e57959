import { reconcileBilling } from "@/lib/billing/reconcile";
import { cronRoute } from "@/lib/http/cron";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Hourly drift repair (see vercel.json). */
export const GET = cronRoute(reconcileBilling);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
