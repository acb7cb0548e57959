import { NextResponse } from "next/server";
import { revokeApiKey } from "@/lib/auth/api-keys";
import { route } from "@/lib/http/route";

/** Revokes one of the caller's keys (404 for anyone else's). */
export const DELETE = route({ access: "user" }, async ({ user, params }) => {
  const { id } = await params;
  await revokeApiKey(user.id, String(id));
  return NextResponse.json({ revoked: true, id });
});

export { methodNotAllowed as POST, methodNotAllowed as PUT, methodNotAllowed as PATCH } from "@/lib/http/method-not-allowed";
