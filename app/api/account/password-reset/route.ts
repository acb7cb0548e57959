import { NextResponse } from "next/server";
import { passwordResetRequestInput, requestPasswordReset } from "@/lib/auth/password-reset";
import { route } from "@/lib/http/route";

/**
 * Asks for a password-reset link. Always 202 with the same body, whether or not the address has an
 * account (and whether or not its hourly email limit was reached): nothing reveals who is registered.
 */
export const POST = route({ access: "public", body: passwordResetRequestInput, rateLimit: "email-link" }, async ({ body }) =>
  NextResponse.json(await requestPasswordReset(body), { status: 202 }),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
