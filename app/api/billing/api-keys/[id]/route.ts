import { NextResponse, type NextRequest } from "next/server";
import { revokeApiKey } from "@/lib/auth/api-keys";
import { requireApiUserOrKey } from "@/lib/auth/session";
import { route } from "@/lib/http/route";

/** Revokes one of the caller's keys (404 for anyone else's). */
export const DELETE = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const caller = await requireApiUserOrKey(request);
  const { id } = await context.params;
  await revokeApiKey(caller.user.id, id);
  return NextResponse.json({ revoked: true, id });
});
