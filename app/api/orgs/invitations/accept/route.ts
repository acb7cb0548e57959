import { NextResponse } from "next/server";
import { acceptInvitation, acceptInvitationInput } from "@/lib/accounts/invitations";
import { route } from "@/lib/http/route";

/** `{token}` → `{orgId, role}`: the signed-in user (the invited, verified address) joins. */
export const POST = route({ access: "user", body: acceptInvitationInput, rateLimit: "invitation" }, async ({ user, body }) =>
  NextResponse.json(await acceptInvitation(user.id, body.token)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
