import { NextResponse } from "next/server";
import { adjustLevel, getLevels, levelChangeInput, setLevel } from "@/lib/billing/metering/levels";
import { accountFor, queryAccountId } from "@/lib/http/account";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** `{accountId, levels: {<gauge>: {level, limit, remaining, over}}}` for an account the caller belongs to. */
export const GET = route({ access: "user-or-key", rateLimit: "usage" }, async (ctx) => {
  const account = await accountFor(ctx, queryAccountId(ctx.request), "use");
  const levels = await getLevels(account.accountId);
  return NextResponse.json({
    accountId: account.accountId,
    levels: Object.fromEntries(
      Object.entries(levels).map(([id, l]) => [id, { level: l.level, limit: l.limit, remaining: l.remaining, over: l.over }]),
    ),
  });
});

/**
 * `{gauge, value}` sets a gauge, `{gauge, delta}` moves it (`accountId` optional): the new level, or
 * 402 `level_limit_reached` when an increase would pass the plan's maximum (nothing changes).
 */
export const POST = route({ access: "user-or-key", rateLimit: "usage", body: levelChangeInput }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "use");
  const result =
    "value" in ctx.body
      ? await setLevel(account.accountId, ctx.body.gauge, ctx.body.value)
      : await adjustLevel(account.accountId, ctx.body.gauge, ctx.body.delta);
  return NextResponse.json({
    gauge: result.gauge,
    level: result.level,
    limit: result.limit,
    remaining: result.remaining,
    over: result.over,
  });
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
