import { randomUUID } from "node:crypto";
import { NextResponse } from "next/server";
import { withQuota } from "@/lib/http/quota";

export const dynamic = "force-dynamic";

/**
 * The demo metered feature ("Run a job" on the dashboard): each run costs one unit of the `jobs`
 * meter; over the limit it answers 402 `quota_exceeded` with an upgrade URL. Signed-out visitors
 * get the catalog's anonymous allowance (carried over to their account when they sign up).
 */
export const POST = withQuota(
  "jobs",
  1,
  async (_ctx, { usage }) =>
    NextResponse.json({
      job: { id: randomUUID(), status: "succeeded", finishedAt: new Date().toISOString() },
      usage: { meter: usage.meter, used: usage.used, limit: usage.limit, remaining: usage.remaining, resetsAt: usage.resetsAt },
    }),
  { anonymous: true },
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
