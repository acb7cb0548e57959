import { NextResponse } from "next/server";
import { changeMemberRole, memberRoleInput, removeMember } from "@/lib/accounts/members";
import { memberParams } from "@/lib/accounts/org-access";
import { parseInput, route } from "@/lib/http/route";

/** `{role}` → the member with the new role; 409 `last_owner` for the last owner. */
export const PATCH = route({ access: "user", body: memberRoleInput }, async ({ user, params, body }) => {
  const { id, userId } = parseInput(await params, memberParams);
  return NextResponse.json(await changeMemberRole(user.id, id, userId, body.role));
});

/** Removes a member, or (the caller's own id) leaves; 409 `last_owner` for the last owner. */
export const DELETE = route({ access: "user" }, async ({ user, params }) => {
  const { id, userId } = parseInput(await params, memberParams);
  return NextResponse.json(await removeMember(user.id, id, userId));
});

export { methodNotAllowed as POST, methodNotAllowed as PUT } from "@/lib/http/method-not-allowed";
