import { NextResponse } from "next/server";
import { revokeInvitation } from "@/lib/accounts/invitations";
import { invitationParams } from "@/lib/accounts/org-access";
import { parseInput, route } from "@/lib/http/route";

/** Revokes an invitation: its link answers 410 from now on. */
export const DELETE = route({ access: "user" }, async ({ user, params }) => {
  const { id, invitationId } = parseInput(await params, invitationParams);
  return NextResponse.json(await revokeInvitation(user.id, id, invitationId));
});

export { methodNotAllowed as POST, methodNotAllowed as PUT, methodNotAllowed as PATCH } from "@/lib/http/method-not-allowed";
