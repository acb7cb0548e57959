import { NextResponse } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { createInvitation, invitationInput } from "@/lib/accounts/invitations";
import { orgParams } from "@/lib/accounts/org-access";
import { parseInput, route } from "@/lib/http/route";

/** `{email, role}` → 201 `{id, email, role, expiresAt, acceptUrl}`; the link is also emailed. */
export const POST = route({ access: "user", body: invitationInput, rateLimit: "invitation" }, async ({ request, user, params, body }) => {
  const { id } = parseInput(await params, orgParams);
  return NextResponse.json(await createInvitation(user.id, id, body, requestOrigin(request)), { status: 201 });
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
