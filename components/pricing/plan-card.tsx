import type { PlanView } from "@/lib/billing/catalog-view";
import type { BillingInterval, FEATURES, METERS, MeterId } from "@/lib/billing/plans";
import { formatLimit, formatMoney, savingsLabel, yearlySavings } from "@/lib/format";
import { PlanCta } from "./plan-cta";
import type { PricingViewer } from "./pricing-plans";

/**
 * One plan's card: name, description, price at the chosen interval (and its trial), the button,
 * the monthly limits with their overage, and the features it includes. Its six parts are rows of
 * the list's subgrid, so they line up across cards.
 */
export function PlanCard({
  plan,
  interval,
  currency,
  meters,
  features,
  viewer,
  highlighted,
  paymentsEnabled,
  pendingPlan,
  salesEmail,
  onChoose,
  onStartTrial,
}: {
  plan: PlanView;
  interval: BillingInterval;
  /** The catalog's currency, for the free plan's price. */
  currency: string;
  meters: typeof METERS;
  features: typeof FEATURES;
  viewer: PricingViewer;
  highlighted: boolean;
  paymentsEnabled: boolean;
  pendingPlan: string | null;
  salesEmail: string;
  onChoose: () => void;
  onStartTrial: () => void;
}) {
  const meterIds = Object.keys(meters) as MeterId[];
  const featureIds = Object.keys(features) as Array<keyof typeof FEATURES>;
  const price = plan.prices?.[interval] ?? null;
  const isCurrent = viewer.currentPlanId === plan.id;
  const headingId = `plan-${plan.id}-name`;
  return (
    <li
      aria-labelledby={headingId}
      data-testid={`plan-card-${plan.id}`}
      className={`row-span-6 grid grid-rows-subgrid gap-y-0 rounded-lg border bg-surface p-6 shadow-sm ${highlighted ? "border-brand-500 ring-2 ring-brand-500" : "border-gray-200"}`}
    >
      <div className="flex items-center justify-between gap-2">
        <h2 id={headingId} className="text-lg font-semibold">
          {plan.name}
        </h2>
        {isCurrent && viewer.signedIn && (
          <span className="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-700">Current plan</span>
        )}
      </div>
      <p className="mt-1 min-h-10 text-sm text-gray-600">{plan.description}</p>

      <div className="mt-4 min-h-20" data-testid={`plan-price-${plan.id}`}>
        {price ? (
          <>
            <p>
              <span className="text-3xl font-bold">{formatMoney(price.amount, price.currency, { trimZeros: true })}</span>
              <span className="text-gray-600">
                {plan.seats ? " per seat" : ""} /{interval}
              </span>
            </p>
            {interval === "year" && plan.prices && (
              <p className="text-sm text-gray-600">
                {formatMoney(Math.round(price.amount / 12), price.currency)}/month{plan.seats ? " per seat" : ""}, billed yearly
                {(() => {
                  const label = savingsLabel(yearlySavings(plan.prices.month.amount, plan.prices.year.amount));
                  return label ? <span className="font-medium text-green-700"> · {label}</span> : null;
                })()}
              </p>
            )}
          </>
        ) : plan.contactSales ? (
          <p className="text-3xl font-bold">Custom</p>
        ) : (
          <p>
            <span className="text-3xl font-bold">{formatMoney(0, currency, { trimZeros: true })}</span>
            <span className="text-gray-600"> forever</span>
          </p>
        )}
        {plan.trialDays > 0 && !viewer.trialUsed && (
          <p
            className="mt-1 inline-block rounded-full bg-green-100 px-2 py-0.5 text-xs font-semibold text-green-800"
            data-testid={`plan-trial-${plan.id}`}
          >
            {plan.trialDays}-day free trial
          </p>
        )}
      </div>

      <div className="mt-4">
        <PlanCta
          plan={plan}
          viewer={viewer}
          isCurrent={isCurrent}
          paymentsEnabled={paymentsEnabled}
          priceAvailable={price?.available ?? false}
          pending={pendingPlan === plan.id}
          disabled={pendingPlan !== null}
          salesEmail={salesEmail}
          onChoose={onChoose}
          onStartTrial={onStartTrial}
        />
      </div>

      <div>
        <h3 className="mt-6 text-xs font-semibold uppercase tracking-wide text-gray-500">
          {interval === "year" && price ? "Every month, billed yearly" : "Every month"}
        </h3>
        <ul className="mt-2 space-y-1 text-sm" data-testid={`plan-limits-${plan.id}`}>
          {meterIds.map((meter) => (
            <li key={meter}>
              <span className="flex justify-between gap-2">
                <span className="text-gray-600">{meters[meter].label}</span>
                <span className="font-medium">
                  {formatLimit(plan.limits[meter])}
                  {plan.limits[meter] !== null && <span className="font-normal text-gray-600"> / month</span>}
                </span>
              </span>
              {plan.overage[meter] && (
                <span className="block text-right text-xs text-gray-600" data-testid={`plan-overage-${plan.id}-${meter}`}>
                  then {plan.overage[meter]}
                </span>
              )}
            </li>
          ))}
        </ul>
      </div>

      <div>
        <h3 className="mt-4 text-xs font-semibold uppercase tracking-wide text-gray-500">Includes</h3>
        <ul className="mt-2 space-y-1 text-sm">
          {featureIds.some((f) => plan.features[f]) ? (
            featureIds
              .filter((f) => plan.features[f])
              .map((f) => (
                <li key={f} className="flex gap-2">
                  <span aria-hidden="true" className="text-green-600">
                    ✓
                  </span>
                  {features[f]}
                </li>
              ))
          ) : (
            <li className="text-gray-600">The basics, within the limits above</li>
          )}
        </ul>
      </div>
    </li>
  );
}
