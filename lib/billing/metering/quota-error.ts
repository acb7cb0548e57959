import "server-only";
import { appUrl } from "@/lib/app-url";
import { AppError } from "@/lib/errors";
import { FREE_PLAN_ID, METERS, type WindowKind } from "../plans";
import type { UsageResult } from "./result";
import { spendCapReached } from "./spend-caps";

/** Where someone over a limit can get more: pricing on Free, the change-plan section otherwise. */
export function upgradeUrl(planId: string): string {
  const path = planId === "anonymous" ? "/sign-up" : planId === FREE_PLAN_ID ? "/pricing" : "/billing#change-plan";
  return `${appUrl()}${path}`;
}

const WINDOW_WORDS = { period: "this period", day: "today (UTC)", hour: "this hour (UTC)" } as const;

/**
 * The window a refused call ran into: the billing period (the top-level fields), or a shorter
 * window (a UTC day or hour) that had no room, with its own `used`, `limit` and `resetsAt`.
 */
export function refusingWindow(result: UsageResult): {
  window: "period" | WindowKind;
  used: number;
  limit: number | null;
  resetsAt: string;
} {
  const refused =
    result.refusedBy && result.refusedBy !== "spend_cap" && result.refusedBy !== "period"
      ? result.windows?.find((w) => w.window === result.refusedBy)
      : undefined;
  return refused ?? { window: "period", used: result.used, limit: result.limit, resetsAt: result.resetsAt };
}

/**
 * The domain error for a refused consume: 402 `quota_exceeded` with everything a client needs (the
 * window that refused: `used`, `limit`, `resetsAt` and `window`; every window in `windows` on meters
 * with shorter windows), or 402 `spend_cap_reached` when the account's spend cap refused it.
 */
export function quotaExceeded(result: UsageResult): AppError {
  if (result.refusedBy === "spend_cap" && result.spendCap) return spendCapReached(result);
  const meter = METERS[result.meter];
  const refused = refusingWindow(result);
  const limit = refused.limit ?? 0;
  return new AppError(
    "quota_exceeded",
    result.plan.id === "anonymous"
      ? `You have used ${refused.used.toLocaleString("en-US")} of ${limit.toLocaleString("en-US")} free ${meter.unit} for guests. Sign up to keep going.`
      : `You have used ${refused.used.toLocaleString("en-US")} of ${limit.toLocaleString("en-US")} ${meter.unit} on the ${result.plan.name} plan ${WINDOW_WORDS[refused.window]}. Upgrade for more, or wait until it resets.`,
    {
      meter: result.meter,
      used: refused.used,
      limit: refused.limit,
      resetsAt: refused.resetsAt,
      ...(result.windows ? { window: refused.window, windows: result.windows } : {}),
      plan: result.plan.id,
      upgradeUrl: upgradeUrl(result.plan.id),
    },
  );
}

/**
 * The refusal a consume would answer now, for a page's first render: a `block` meter whose use has
 * reached its limit gets the same message and upgrade path as the 402; otherwise null.
 */
export function exhaustedNotice(result: UsageResult): { message: string; upgradePath: string } | null {
  if (result.limit === null || result.used < result.limit || METERS[result.meter].overage !== "block") return null;
  const url = new URL(upgradeUrl(result.plan.id));
  return { message: quotaExceeded(result).message, upgradePath: url.pathname + url.hash };
}
