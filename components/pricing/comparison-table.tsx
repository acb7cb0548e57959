import type { PlanView } from "@/lib/billing/catalog-view";
import type { FEATURES, METERS, MeterId } from "@/lib/billing/plans";
import { formatLimit } from "@/lib/format";

/** Rows are the meters and the features, columns the public plans. */
export function ComparisonTable({ plans, meters, features }: { plans: PlanView[]; meters: typeof METERS; features: typeof FEATURES }) {
  const meterIds = Object.keys(meters) as MeterId[];
  const featureIds = Object.keys(features) as Array<keyof typeof FEATURES>;
  return (
    <section aria-labelledby="compare-heading" className="space-y-4">
      <h2 id="compare-heading" className="text-xl font-semibold">
        Compare plans
      </h2>
      {/* relative: the sr-only labels in the cells are absolutely positioned and must scroll with the table, not widen the page. */}
      <div role="region" aria-labelledby="compare-heading" tabIndex={0} className="relative overflow-x-auto rounded-lg border border-gray-200 bg-surface shadow-sm focus-visible:outline-2 focus-visible:outline-brand-600">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Limits per billing period and features of each plan</caption>
          <thead className="bg-gray-50">
            <tr>
              <th scope="col" className="px-4 py-3 font-medium text-gray-600">
                <span className="sr-only">Limit or feature</span>
              </th>
              {plans.map((plan) => (
                <th key={plan.id} scope="col" className="px-4 py-3 font-semibold">
                  {plan.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {meterIds.map((meter) => (
              <tr key={meter}>
                <th scope="row" className="px-4 py-3 font-medium text-gray-700">
                  {meters[meter].label} <span className="font-normal text-gray-500">per billing period</span>
                </th>
                {plans.map((plan) => (
                  <td key={plan.id} className="px-4 py-3">
                    {formatLimit(plan.limits[meter])}
                  </td>
                ))}
              </tr>
            ))}
            <tr>
              <th scope="row" className="px-4 py-3 font-medium text-gray-700">
                Free trial (first subscription only)
              </th>
              {plans.map((plan) => (
                <td key={plan.id} className="px-4 py-3">
                  {plan.trialDays > 0 ? `${plan.trialDays} days` : <NotIncluded />}
                </td>
              ))}
            </tr>
            {featureIds.map((feature) => (
              <tr key={feature}>
                <th scope="row" className="px-4 py-3 font-medium text-gray-700">
                  {features[feature]}
                </th>
                {plans.map((plan) => (
                  <td key={plan.id} className="px-4 py-3">
                    {plan.features[feature] ? <Included /> : <NotIncluded />}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Included() {
  return (
    <>
      <span aria-hidden="true" className="font-semibold text-green-600">
        ✓
      </span>
      <span className="sr-only">Included</span>
    </>
  );
}

function NotIncluded() {
  return (
    <>
      <span aria-hidden="true" className="text-gray-400">
        —
      </span>
      <span className="sr-only">Not included</span>
    </>
  );
}
