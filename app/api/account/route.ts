import { NextResponse } from "next/server";
import { ANONYMOUS_COOKIE, verifyAnonymousId } from "@/lib/auth/anonymous-id";
import { signUp, signUpInput } from "@/lib/auth/users";
import { claimAnonymousUsage } from "@/lib/billing/metering/anonymous";
import { route } from "@/lib/http/route";

/**
 * Sign-up: creates an email + password account and sends a verification link. The answer is the
 * same whether or not the address already had an account (its owner gets an email instead). A new
 * account takes over the visitor's anonymous usage this month.
 */
export const POST = route({ access: "public", body: signUpInput, rateLimit: "sign-up" }, async ({ request, body }) => {
  const visitorId = verifyAnonymousId(request.cookies.get(ANONYMOUS_COOKIE)?.value);
  const claimUsage = visitorId ? (user: { id: string }) => claimAnonymousUsage(visitorId, user.id) : undefined;
  return NextResponse.json(await signUp(body, claimUsage), { status: 201 });
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
