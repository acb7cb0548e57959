"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { selectAccount } from "@/components/accounts/select-account";
import { hasSession } from "@/components/session-probe";
import { formatDate, formatMoney } from "@/lib/format";
import type { ActiveUsageAlert } from "@/lib/billing/metering/alerts";

const fmt = (n: number) => new Intl.NumberFormat("en-US").format(n);

/** "13:00 UTC": when an hour's or a day's window resets (windows are UTC). */
const utcTime = (iso: string) => `${iso.slice(11, 16)} UTC`;

/** The warning's sentence: the period's limit, a day's or an hour's cap, or the spend cap on billed overage. */
function alertMessage(alert: ActiveUsageAlert): string {
  const reached = alert.threshold >= 100;
  const share = (limit: string) => (reached ? `all ${limit}` : `${alert.threshold}% of the ${limit}`);
  switch (alert.window) {
    case "spend_cap": {
      const money = (cents: number) => formatMoney(cents, alert.currency ?? "usd");
      return reached
        ? `${alert.label}: the ${money(alert.limit)} spend cap on billed usage is reached; further billed usage is refused until the cap is raised or it resets on ${formatDate(alert.resetsAt)}.`
        : `${alert.label}: ${alert.threshold}% of the ${money(alert.limit)} spend cap on billed usage is spent (${money(alert.used)}); it resets on ${formatDate(alert.resetsAt)}.`;
    }
    case "day":
      return `${alert.label}: ${share(fmt(alert.limit))} allowed per day used today; the daily count resets at ${utcTime(alert.resetsAt)} (midnight UTC).`;
    case "hour":
      return `${alert.label}: ${share(fmt(alert.limit))} allowed per hour used this hour; the hourly count resets at ${utcTime(alert.resetsAt)}.`;
    default:
      return `${alert.label}: ${share(fmt(alert.limit))} of this period used; the counter resets on ${formatDate(alert.resetsAt)}.`;
  }
}

/**
 * Usage warnings on every page for the owners and admins of an account that crossed 80 % or 100 %
 * of a limit (the period's, a day's or an hour's) or of its spend cap (lib/billing/metering/alerts.ts),
 * with the way to upgrade (or to change the cap) and to dismiss. Read in the browser, like the
 * header's account part, so static pages stay static.
 */
export function UsageAlertBanner() {
  const pathname = usePathname();
  const router = useRouter();
  const [alerts, setAlerts] = useState<ActiveUsageAlert[]>([]);

  useEffect(() => {
    const controller = new AbortController();
    hasSession(controller.signal)
      .then(async (signedIn) => {
        if (!signedIn) return setAlerts([]);
        const res = await fetch("/api/billing/usage-alerts", {
          cache: "no-store",
          signal: controller.signal,
          headers: { accept: "application/json" },
        });
        setAlerts(res.ok ? ((await res.json()) as { alerts: ActiveUsageAlert[] }).alerts : []);
      })
      .catch(() => undefined);
    return () => controller.abort();
  }, [pathname]);

  if (alerts.length === 0) return null;

  async function dismiss(alert: ActiveUsageAlert) {
    setAlerts((all) => all.filter((a) => a !== alert));
    await fetch("/api/billing/usage-alerts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accountId: alert.accountId, meter: alert.meter, window: alert.window, resetsAt: alert.resetsAt }),
    }).catch(() => undefined);
  }

  function upgrade(alert: ActiveUsageAlert) {
    selectAccount(alert.accountId);
    router.push(alert.window === "spend_cap" ? "/billing#spend-cap" : "/billing#change-plan");
  }

  return (
    <section aria-label="Usage warnings" className="mx-auto max-w-6xl space-y-2 px-4 pb-3" data-testid="usage-alerts">
      {alerts.map((alert) => (
        <div
          key={`${alert.accountId}:${alert.meter}:${alert.window}`}
          data-testid={alert.window === "period" ? `usage-alert-${alert.meter}` : `usage-alert-${alert.meter}-${alert.window}`}
          className={`flex flex-wrap items-center justify-between gap-2 rounded-md border px-4 py-2 text-sm ${
            alert.threshold >= 100
              ? "border-red-200 bg-red-50 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
              : "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
          }`}
        >
          <p>
            {alert.accountKind === "organization" && <strong className="font-medium">{alert.accountName}: </strong>}
            {alertMessage(alert)}
          </p>
          <span className="flex gap-3">
            <button type="button" onClick={() => upgrade(alert)} className="font-medium underline">
              {alert.window === "spend_cap" ? "Change the cap" : "Upgrade"}
            </button>
            <button
              type="button"
              onClick={() => void dismiss(alert)}
              className="underline"
              aria-label={`Dismiss the ${alert.label} ${alert.window === "period" ? "" : `${alert.window.replace("_", " ")} `}warning`}
            >
              Dismiss
            </button>
          </span>
        </div>
      ))}
    </section>
  );
}
