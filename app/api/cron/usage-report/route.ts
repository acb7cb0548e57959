import { NextResponse } from "next/server";
import { requireCronSecret } from "@/lib/auth/shared-secret";
import { reportBillableUsage } from "@/lib/billing/usage-report";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Vercel Cron: reports billable usage to Stripe Billing Meters (`Authorization: Bearer $CRON_SECRET`). */
export const GET = route(async (request: Request) => {
  requireCronSecret(request);
  return NextResponse.json(await reportBillableUsage());
});
