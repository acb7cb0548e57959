import { NextResponse } from "next/server";
import { sendVerificationEmail } from "@/lib/auth/account-emails";
import { route } from "@/lib/http/route";

/** Sends the signed-in user a new verification link (a no-op answer when already verified). */
export const POST = route({ access: "user", rateLimit: "email-link" }, async ({ user }) => {
  if (!user.emailVerified) await sendVerificationEmail(user);
  return NextResponse.json({ email: user.email, verified: user.emailVerified, verificationSent: !user.emailVerified });
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
