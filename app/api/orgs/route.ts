import { NextResponse } from "next/server";
import { createOrganization, listOrganizations, orgNameInput } from "@/lib/accounts/organizations";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** `{name}` → 201 `{id, name, role: "owner"}`: the caller is the new organization's first owner. */
export const POST = route({ access: "user", body: orgNameInput, rateLimit: "billing-action" }, async ({ user, body }) =>
  NextResponse.json(await createOrganization(user.id, body.name), { status: 201 }),
);

/** `{orgs: [{id, name, role}]}`: the organizations the caller belongs to. */
export const GET = route({ access: "user" }, async ({ user }) => NextResponse.json({ orgs: await listOrganizations(user.id) }));

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
