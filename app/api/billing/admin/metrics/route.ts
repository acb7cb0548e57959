import { NextResponse } from "next/server";
import { adminMetrics } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";

/** Revenue metrics in minor units of `currency` (definitions: lib/billing/admin/metrics.ts). */
export const GET = route({ access: "admin" }, async () => NextResponse.json(await adminMetrics()));

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
