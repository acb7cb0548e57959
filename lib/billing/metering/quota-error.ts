import "server-only";
import { appUrl } from "@/lib/app-url";
import { AppError } from "@/lib/errors";
import { FREE_PLAN_ID, METERS } from "../plans";
import type { UsageResult } from "./result";

/** Where someone over a limit can get more: pricing on Free, the change-plan section otherwise. */
export function upgradeUrl(planId: string): string {
  const path = planId === "anonymous" ? "/sign-up" : planId === FREE_PLAN_ID ? "/pricing" : "/billing#change-plan";
  return `${appUrl()}${path}`;
}

/** The domain error for a refused consume: 402 `quota_exceeded` with everything a client needs. */
export function quotaExceeded(result: UsageResult): AppError {
  const meter = METERS[result.meter];
  const limit = result.limit ?? 0;
  return new AppError(
    "quota_exceeded",
    result.plan.id === "anonymous"
      ? `You have used ${result.used.toLocaleString("en-US")} of ${limit.toLocaleString("en-US")} free ${meter.unit} for guests. Sign up to keep going.`
      : `You have used ${result.used.toLocaleString("en-US")} of ${limit.toLocaleString("en-US")} ${meter.unit} on the ${result.plan.name} plan this period. Upgrade for more, or wait until it resets.`,
    {
      meter: result.meter,
      used: result.used,
      limit: result.limit,
      resetsAt: result.resetsAt,
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
