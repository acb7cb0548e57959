import { NextResponse } from "next/server";
import { orgParams } from "@/lib/accounts/org-access";
import { deleteOrganization, orgNameInput, renameOrganization } from "@/lib/accounts/organizations";
import { parseInput, route } from "@/lib/http/route";

/** `{name}` → `{id, name, role}` (owners and admins). */
export const PATCH = route({ access: "user", body: orgNameInput }, async ({ user, params, body }) => {
  const { id } = parseInput(await params, orgParams);
  return NextResponse.json(await renameOrganization(user.id, id, body.name));
});

/** Owners only; 409 `subscription_exists` while a paid subscription is alive. */
export const DELETE = route({ access: "user" }, async ({ user, params }) => {
  const { id } = parseInput(await params, orgParams);
  return NextResponse.json(await deleteOrganization(user.id, id));
});

export { methodNotAllowed as POST, methodNotAllowed as PUT } from "@/lib/http/method-not-allowed";
