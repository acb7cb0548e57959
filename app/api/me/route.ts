import { NextResponse } from "next/server";
import { getAccountContext } from "@/lib/accounts/current";
import { ACCOUNT_COOKIE } from "@/lib/accounts/selection";
import { route } from "@/lib/http/route";

/** `{user, accounts: {current, accounts}}`: who is signed in and the accounts they act for (the `account` cookie picks the current one). */
export const GET = route({ access: "user" }, async ({ user, request }) =>
  NextResponse.json({ user, accounts: await getAccountContext(user, request.cookies.get(ACCOUNT_COOKIE)?.value) }),
);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
