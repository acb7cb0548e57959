import { Card } from "@/components/ui";
import type { BillingSummary } from "@/lib/billing/summary";
import { FEATURES, METERS, type FeatureId, type MeterId } from "@/lib/billing/plans";
import { formatLimit } from "@/lib/format";

/** The plan's limits per billing period and its features. */
export function PlanIncludes({ entitlements }: { entitlements: BillingSummary["entitlements"] }) {
  const meterIds = Object.keys(METERS) as MeterId[];
  const featureIds = Object.keys(FEATURES) as FeatureId[];
  return (
    <Card className="space-y-4">
      <h2 className="text-lg font-semibold">What the plan includes</h2>
      <div className="grid gap-6 sm:grid-cols-2">
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-gray-500">Limits</h3>
          <p className="text-xs text-gray-500">Each billing period</p>
          <dl className="mt-2 space-y-1 text-sm" data-testid="entitlement-limits">
            {meterIds.map((meter) => (
              <div key={meter} className="flex justify-between gap-4">
                <dt className="text-gray-600">{METERS[meter].label}</dt>
                <dd className="font-medium">{formatLimit(entitlements.limits[meter], METERS[meter].unit)}</dd>
              </div>
            ))}
          </dl>
        </div>
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-gray-500">Features</h3>
          <ul className="mt-2 space-y-1 text-sm">
            {featureIds.map((feature) => {
              const on = entitlements.features[feature];
              return (
                <li key={feature} className={on ? "" : "text-gray-500"}>
                  <span aria-hidden="true" className={on ? "text-green-600 dark:text-green-400" : ""}>
                    {on ? "✓" : "—"}
                  </span>{" "}
                  {FEATURES[feature]}
                  <span className="sr-only">{on ? " (included)" : " (not included)"}</span>
                </li>
              );
            })}
          </ul>
        </div>
      </div>
    </Card>
  );
}
