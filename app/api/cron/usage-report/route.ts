import { NextResponse } from "next/server";
import { secretMatches } from "@/lib/auth/shared-secret";
import { reportBillableUsage } from "@/lib/billing/usage-report";
import { unauthorized } from "@/lib/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Vercel Cron: reports billable usage to Stripe Billing Meters (`Authorization: Bearer $CRON_SECRET`). */
export const GET = route(async (request: Request) => {
  const token = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "");
  if (!secretMatches(token, process.env.CRON_SECRET)) throw unauthorized("A valid CRON_SECRET bearer token is required.");
  return NextResponse.json(await reportBillableUsage());
});
