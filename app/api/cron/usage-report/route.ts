import { NextResponse } from "next/server";
import { reportBillableUsage } from "@/lib/billing/usage-report";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Vercel Cron: reports billable usage to Stripe Billing Meters (`Authorization: Bearer $CRON_SECRET`). */
export const GET = route({ access: "cron-secret" }, async () => NextResponse.json(await reportBillableUsage()));
