import { NextResponse } from "next/server";
import { signUp, signUpInput } from "@/lib/auth/users";
import { route } from "@/lib/http/route";

/**
 * Sign-up: creates an email + password account and sends a verification link. The answer is the
 * same whether or not the address already had an account (its owner gets an email instead).
 */
export const POST = route({ access: "public", body: signUpInput, rateLimit: "sign-up" }, async ({ body }) =>
  NextResponse.json(await signUp(body), { status: 201 }),
);
