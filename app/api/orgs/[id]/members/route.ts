import { NextResponse } from "next/server";
import { listMembers } from "@/lib/accounts/members";
import { orgParams } from "@/lib/accounts/org-access";
import { parseInput, route } from "@/lib/http/route";

/** `{members: [{userId, email, name, role}], invitations: [{id, email, role, expiresAt}]}` (invitations: owners and admins only). */
export const GET = route({ access: "user" }, async ({ user, params }) => {
  const { id } = parseInput(await params, orgParams);
  return NextResponse.json(await listMembers(user.id, id));
});

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
