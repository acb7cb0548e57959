import { NextResponse } from "next/server";
import { createUser, signUpInput } from "@/lib/auth/users";
import { parseJson, route } from "@/lib/http/route";

/** Sign-up: creates an email + password account. The client signs in right after. */
export const POST = route(async (request: Request) => {
  const input = await parseJson(request, signUpInput);
  const user = await createUser(input);
  return NextResponse.json({ id: user.id, email: user.email }, { status: 201 });
});
