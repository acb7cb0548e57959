import { NextResponse } from "next/server";
import { requireCronSecret } from "@/lib/auth/shared-secret";
import { reconcileBilling } from "@/lib/billing/reconcile";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Vercel Cron calls this with `Authorization: Bearer $CRON_SECRET` (see vercel.json). */
export const GET = route(async (request: Request) => {
  requireCronSecret(request);
  return NextResponse.json(await reconcileBilling());
});
