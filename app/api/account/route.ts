import { NextResponse, type NextRequest } from "next/server";
import { ANONYMOUS_COOKIE, verifyAnonymousId } from "@/lib/auth/anonymous-id";
import { createUser, signUpInput } from "@/lib/auth/users";
import { claimAnonymousUsage } from "@/lib/billing/metering/anonymous";
import { parseJson, route } from "@/lib/http/route";

/**
 * Sign-up: creates an email + password account (the client signs in right after) and carries the
 * visitor's anonymous usage this month over to it.
 */
export const POST = route(async (request: NextRequest) => {
  const input = await parseJson(request, signUpInput);
  const user = await createUser(input);
  const visitorId = verifyAnonymousId(request.cookies.get(ANONYMOUS_COOKIE)?.value);
  if (visitorId) await claimAnonymousUsage(visitorId, user.id);
  return NextResponse.json({ id: user.id, email: user.email }, { status: 201 });
});
