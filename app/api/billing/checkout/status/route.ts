import { NextResponse } from "next/server";
import { pullCheckoutReturn } from "@/lib/billing/checkout";
import { badRequest } from "@/lib/errors";
import { accountFor, queryAccountId } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/** Polled by the success page until the webhook has confirmed the checkout. */
export const GET = route({ access: "user" }, async (ctx) => {
  const { request, user } = ctx;
  const sessionId = request.nextUrl.searchParams.get("session_id");
  if (!sessionId) throw badRequest("session_id is required.", { field: "session_id" });
  const account = await accountFor(ctx, queryAccountId(request), "manage");
  return NextResponse.json(await pullCheckoutReturn({ id: account.accountId, email: user.email }, sessionId));
});

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
