import { NextResponse } from "next/server";
import { checkHealth } from "@/lib/health";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * For load balancers and uptime checks: 200 when the database answers and its migrations are
 * applied, 503 otherwise; always within about 1.5 s. Stripe's reachability is reported, not gated on.
 */
export const GET = route({ access: "public" }, async () => {
  const report = await checkHealth();
  return NextResponse.json(report, { status: report.ok ? 200 : 503 });
});

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
