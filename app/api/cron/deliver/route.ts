import { cronRoute } from "@/lib/http/cron";
import { runDeliveryJob } from "@/lib/jobs";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

/** Sends due customer emails and operator alerts, retrying failures with backoff (see vercel.json). */
export const GET = cronRoute(runDeliveryJob);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
