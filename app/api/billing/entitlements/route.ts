import { getEntitlements } from "@/lib/billing/entitlement-read";
import { accountFor, queryAccountId } from "@/lib/http/account";
import { jsonWithEtag } from "@/lib/http/etag";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * `{accountId, plan, status, features, limits, constants, expiresAt}` for an account the caller
 * belongs to (`?accountId=`, else the personal one; an API key: its own account), for the product's
 * other services to call per request: served from the entitlement cache once one indexed read
 * shows it current, with an ETag (`If-None-Match` → 304 while nothing changed).
 */
export const GET = route({ access: "user-or-key", rateLimit: "usage", cache: "revalidate" }, async (ctx) => {
  const account = await accountFor(ctx, queryAccountId(ctx.request), "use");
  return jsonWithEtag(ctx.request, await getEntitlements(account.accountId));
});

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
