import { NextResponse } from "next/server";
import { replayEvent } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";

/** Processes a failed event again (forced); audited. 409 for events that did not fail. */
export const POST = route({ access: "admin" }, async ({ user, params }) =>
  NextResponse.json(await replayEvent(String((await params).id), user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
