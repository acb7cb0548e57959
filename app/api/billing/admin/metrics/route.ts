import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { adminMetrics } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";

/** Revenue metrics in minor units of `currency` (definitions: lib/billing/admin/metrics.ts). */
export const GET = route(async (request: NextRequest) => {
  await requireApiAdmin(request);
  return NextResponse.json(await adminMetrics());
});
