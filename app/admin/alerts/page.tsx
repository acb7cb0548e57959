import type { Metadata } from "next";
import { RevenueAlertForm } from "@/components/admin/revenue-alert-form";
import { LocalTime } from "@/components/local-time";
import { Card } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminRevenueAlerts } from "@/lib/billing/admin/console";
import { formatPercent } from "@/lib/format";

export const metadata: Metadata = { title: "Alerts · Admin" };
export const dynamic = "force-dynamic";

/** Revenue alert rules: what each measures, its threshold and window (editable), and its state. */
export default async function AdminAlertsPage() {
  await requireAdmin("/admin/alerts");
  const alerts = await adminRevenueAlerts();
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Revenue alerts</h1>
        <p className="mt-1 text-sm text-gray-600">
          The delivery job evaluates these at most every 15 minutes (on one instance at a time) and records an operator alert once each time
          a rule crosses its threshold; nothing more while the condition holds, again after it clears and crosses anew.{" "}
          {alerts.webhookConfigured ? (
            "Alerts are posted to ALERT_WEBHOOK_URL."
          ) : (
            <strong className="font-medium">ALERT_WEBHOOK_URL is not set: alerts are kept in the operator_alerts table only.</strong>
          )}
        </p>
        <p className="mt-1 text-sm text-gray-600">
          Last evaluated: <LocalTime value={alerts.lastEvaluatedAt} />. Figures in {alerts.currency.toUpperCase()}, as on the overview.
        </p>
      </div>
      {alerts.rules.map((r) => (
        <Card key={r.rule} className="space-y-3">
          <section aria-labelledby={`alert-${r.rule}`} data-testid={`alert-${r.rule}`} className="space-y-3">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <h2 id={`alert-${r.rule}`} className="text-lg font-semibold">
                {r.label}
              </h2>
              <p className="text-sm" data-testid={`alert-state-${r.rule}`}>
                {!r.enabled ? (
                  "Disabled"
                ) : r.state === "firing" ? (
                  <span className="font-medium text-red-700 dark:text-red-300">
                    Firing since <LocalTime value={r.firingSince} />
                  </span>
                ) : (
                  "Armed"
                )}
              </p>
            </div>
            <p className="text-sm">
              Alerts when it is above <strong>{formatPercent(r.percent / 100, 2)}</strong> over <strong>{r.windowDays} days</strong>. Last
              figure:{" "}
              <span className="tabular-nums" data-testid={`alert-value-${r.rule}`}>
                {formatPercent(r.lastValue, 2)}
              </span>
              {r.lastNote && <span className="text-gray-600"> ({r.lastNote})</span>}
            </p>
            <p className="text-xs text-gray-600">{r.definition}</p>
            {r.baselineNote && <p className="text-sm text-amber-800 dark:text-amber-300">{r.baselineNote}</p>}
            <RevenueAlertForm rule={r.rule} label={r.label} enabled={r.enabled} percent={r.percent} windowDays={r.windowDays} />
          </section>
        </Card>
      ))}
    </div>
  );
}
