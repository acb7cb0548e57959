import { NextResponse } from "next/server";
import { createApiKey, listApiKeys } from "@/lib/auth/api-keys";
import { apiKeyInput } from "@/lib/billing/metering/inputs";
import { accountFor, queryAccountId } from "@/lib/http/account";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** `{name, expiresAt?, accountId?}` → 201 with the key, shown this once; it acts for that account. */
export const POST = route({ access: "user", body: apiKeyInput, rateLimit: "billing-action" }, async (ctx) => {
  const { body, user } = ctx;
  const account = await accountFor(ctx, body.accountId, "manage");
  const created = await createApiKey(account.accountId, user.id, {
    name: body.name,
    expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
  });
  const { id, name, key, createdAt, expiresAt } = created;
  return NextResponse.json({ id, name, key, prefix: created.prefix, createdAt, expiresAt }, { status: 201 });
});

/** The account's active keys (`?accountId=`), without the keys themselves. */
export const GET = route({ access: "user" }, async (ctx) => {
  const account = await accountFor(ctx, queryAccountId(ctx.request), "manage");
  return NextResponse.json({ keys: await listApiKeys(account.accountId) });
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
