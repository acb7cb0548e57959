import { NextResponse, type NextRequest } from "next/server";
import { createApiKey, listApiKeys } from "@/lib/auth/api-keys";
import { requireApiUserOrKey } from "@/lib/auth/session";
import { apiKeyInput } from "@/lib/billing/metering/inputs";
import { parseJson, route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** `{name, expiresAt?}` → 201 with the key, shown this once. */
export const POST = route(async (request: NextRequest) => {
  const caller = await requireApiUserOrKey(request);
  const input = await parseJson(request, apiKeyInput);
  const created = await createApiKey(caller.user.id, { name: input.name, expiresAt: input.expiresAt ? new Date(input.expiresAt) : null });
  const { id, name, key, createdAt, expiresAt } = created;
  return NextResponse.json({ id, name, key, prefix: created.prefix, createdAt, expiresAt }, { status: 201 });
});

/** The caller's active keys, without the keys themselves. */
export const GET = route(async (request: NextRequest) => {
  const caller = await requireApiUserOrKey(request);
  return NextResponse.json({ keys: await listApiKeys(caller.user.id) });
});
