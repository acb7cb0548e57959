import { NextResponse } from "next/server";
import { checkHealth } from "@/lib/health";

export const dynamic = "force-dynamic";

/**
 * For load balancers and uptime checks: 200 when the database answers and its migrations are
 * applied, 503 otherwise; always within about 1.5 s. Stripe's reachability is reported, not gated on.
 */
export async function GET() {
  const report = await checkHealth();
  return NextResponse.json(report, { status: report.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
