import { NextResponse } from "next/server";
import { adminSpendCapInput, setSpendCap } from "@/lib/billing/metering/spend-caps";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** `{ capCents }`: sets a customer's monthly cap on billed overage (minor units), or clears it with null; audited. Applies on the next call. */
export const POST = route({ access: "admin", body: adminSpendCapInput }, async ({ user, params, body }) =>
  NextResponse.json(await setSpendCap(await uuidParam(params), body.capCents, user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
