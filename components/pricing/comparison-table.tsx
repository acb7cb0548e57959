import { Fragment } from "react";
import type { PlanView } from "@/lib/billing/catalog-view";
import type { FEATURES, METERS, MeterId } from "@/lib/billing/plans";
import { formatLimit } from "@/lib/format";

/**
 * The first column stays in place while the plans scroll under it (phones); its cells need an
 * opaque background so the scrolled cells do not show through.
 */
const STICKY = "sticky left-0 z-10 min-w-36 max-w-44 px-4 py-3 shadow-[inset_-1px_0_0_var(--color-gray-200)] sm:max-w-none sm:shadow-none";

/** Rows are the meters (with their overage prices) and the features, columns the public plans. */
export function ComparisonTable({ plans, meters, features }: { plans: PlanView[]; meters: typeof METERS; features: typeof FEATURES }) {
  const meterIds = Object.keys(meters) as MeterId[];
  const featureIds = Object.keys(features) as Array<keyof typeof FEATURES>;
  return (
    <section aria-labelledby="compare-heading" className="space-y-4">
      <h2 id="compare-heading" className="text-xl font-semibold">
        Compare plans
      </h2>
      {/* Below sm the plans do not fit side by side: the table scrolls sideways under a sticky first column. */}
      <p id="compare-hint" className="text-sm text-gray-600 sm:hidden" data-testid="compare-scroll-hint">
        <span aria-hidden="true">↔ </span>Swipe the table sideways to see every plan.
      </p>
      {/* relative: the sr-only labels in the cells are absolutely positioned and must scroll with the table, not widen the page. */}
      <div
        role="region"
        aria-labelledby="compare-heading"
        aria-describedby="compare-hint"
        tabIndex={0}
        data-testid="compare-scroller"
        className="relative overflow-x-auto rounded-lg border border-gray-200 bg-surface shadow-sm focus-visible:outline-2 focus-visible:outline-brand-600"
      >
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Monthly allowances, overage prices and features of each plan</caption>
          <thead className="bg-gray-50">
            <tr>
              <th scope="col" className={`${STICKY} bg-gray-50 font-medium text-gray-600`}>
                <span className="sr-only">Limit or feature</span>
              </th>
              {plans.map((plan) => (
                <th key={plan.id} scope="col" className="px-4 py-3 font-semibold whitespace-nowrap">
                  {plan.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {meterIds.map((meter) => (
              <Fragment key={meter}>
                <tr>
                  <th scope="row" className={`${STICKY} bg-surface font-medium text-gray-700`}>
                    {meters[meter].label} <span className="font-normal text-gray-600">per month</span>
                  </th>
                  {plans.map((plan) => (
                    <td key={plan.id} className="px-4 py-3">
                      {formatLimit(plan.limits[meter])}
                    </td>
                  ))}
                </tr>
                {plans.some((plan) => plan.overage[meter]) && (
                  <tr>
                    <th scope="row" className={`${STICKY} bg-surface font-medium text-gray-700`}>
                      {meters[meter].label} <span className="font-normal text-gray-600">past the allowance</span>
                    </th>
                    {plans.map((plan) => (
                      <td key={plan.id} className="px-4 py-3 whitespace-nowrap" data-testid={`compare-overage-${plan.id}-${meter}`}>
                        {plan.overage[meter] ?? <NotIncluded />}
                      </td>
                    ))}
                  </tr>
                )}
              </Fragment>
            ))}
            <tr>
              <th scope="row" className={`${STICKY} bg-surface font-medium text-gray-700`}>
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
                <th scope="row" className={`${STICKY} bg-surface font-medium text-gray-700`}>
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
