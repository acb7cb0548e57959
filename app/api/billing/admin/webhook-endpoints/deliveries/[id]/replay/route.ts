import { NextResponse } from "next/server";
import { replayWebhookDelivery } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../../params";

/** A new delivery of the same event to the same endpoint, sent now; audited. */
export const POST = route({ access: "admin" }, async ({ user, params }) =>
  NextResponse.json(await replayWebhookDelivery(await uuidParam(params, "webhook delivery"), user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
