import { NextResponse } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { openCustomerPortal } from "@/lib/billing/checkout";
import { route } from "@/lib/http/route";

export const POST = route({ access: "user", rateLimit: "portal" }, async ({ request, user }) =>
  NextResponse.json(await openCustomerPortal(user.id, requestOrigin(request))),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
