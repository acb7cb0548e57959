import { NextResponse } from "next/server";
import { secretMatches } from "@/lib/auth/shared-secret";
import { unauthorized } from "@/lib/errors";
import { route } from "./route";

/** A scheduled job's GET route: Vercel Cron (or any scheduler) calls it with `Authorization: Bearer $CRON_SECRET`. */
export function cronRoute(job: () => Promise<unknown>) {
  return route(async (request: Request) => {
    const token = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "");
    if (!secretMatches(token, process.env.CRON_SECRET)) throw unauthorized("A valid CRON_SECRET bearer token is required.");
    return NextResponse.json(await job());
  });
}
