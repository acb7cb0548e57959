import { NextResponse } from "next/server";
import { createApiKey, listApiKeys } from "@/lib/auth/api-keys";
import { apiKeyInput } from "@/lib/billing/metering/inputs";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** `{name, expiresAt?}` → 201 with the key, shown this once. */
export const POST = route({ access: "user", body: apiKeyInput, rateLimit: "billing-action" }, async ({ user, body }) => {
  const created = await createApiKey(user.id, { name: body.name, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null });
  const { id, name, key, createdAt, expiresAt } = created;
  return NextResponse.json({ id, name, key, prefix: created.prefix, createdAt, expiresAt }, { status: 201 });
});

/** The caller's active keys, without the keys themselves. */
export const GET = route({ access: "user" }, async ({ user }) => NextResponse.json({ keys: await listApiKeys(user.id) }));

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
