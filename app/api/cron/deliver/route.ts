import { NextResponse } from "next/server";
import { secretMatches } from "@/lib/auth/shared-secret";
import { unauthorized } from "@/lib/errors";
import { route } from "@/lib/http/route";
import { runDeliveryJob } from "@/lib/jobs";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

/** Sends due customer emails and operator alerts (retries with backoff). Cron: `Authorization: Bearer $CRON_SECRET`. */
export const GET = route(async (request: Request) => {
  const token = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "");
  if (!secretMatches(token, process.env.CRON_SECRET)) throw unauthorized("A valid CRON_SECRET bearer token is required.");
  return NextResponse.json(await runDeliveryJob());
});
