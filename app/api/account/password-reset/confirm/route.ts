import { NextResponse } from "next/server";
import { passwordResetConfirmInput, resetPassword } from "@/lib/auth/password-reset";
import { route } from "@/lib/http/route";

/**
 * Sets a new password with the token from a reset link (400 for an unknown, used or expired one, or
 * a weak password). Claims the account: the address is verified, every session is revoked and every
 * other credential removed. The per-IP budget is sign-up's: the same password hashing work.
 */
export const POST = route({ access: "public", body: passwordResetConfirmInput, rateLimit: "sign-up" }, async ({ body }) =>
  NextResponse.json({ ...(await resetPassword(body)), passwordReset: true }),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
