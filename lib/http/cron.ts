import "server-only";
import { NextResponse } from "next/server";
import { route } from "./route";

/** A scheduled job's GET route: Vercel Cron (or any scheduler) calls it with `Authorization: Bearer $CRON_SECRET`. */
export function cronRoute(job: () => Promise<unknown>) {
  return route({ access: "cron-secret" }, async () => NextResponse.json(await job()));
}
