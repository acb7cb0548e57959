import { NextResponse } from "next/server";
import { reconcileBilling } from "@/lib/billing/reconcile";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Vercel Cron calls this with `Authorization: Bearer $CRON_SECRET` (see vercel.json). */
export const GET = route({ access: "cron-secret" }, async () => NextResponse.json(await reconcileBilling()));
