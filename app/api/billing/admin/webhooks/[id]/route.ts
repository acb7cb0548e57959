import { NextResponse } from "next/server";
import { adminWebhookEvent } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";

/** One stored event with its payload. */
export const GET = route({ access: "admin" }, async ({ params }) => NextResponse.json(await adminWebhookEvent(String((await params).id))));

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
