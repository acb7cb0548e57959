import { planDifference } from "./plan-change-label";

/** "You gain … / You lose …" for a previewed change, and when the loss takes effect. */
export function PlanDifferenceNote({
  fromPlanId,
  fromPlanName,
  toPlanId,
  startsNow,
}: {
  fromPlanId: string;
  fromPlanName: string;
  toPlanId: string;
  startsNow: boolean;
}) {
  const { gains, loses } = planDifference(fromPlanId, toPlanId);
  if (gains.length === 0 && loses.length === 0) return null;
  return (
    <div className="grid gap-3 sm:grid-cols-2" data-testid="plan-difference">
      {gains.length > 0 && (
        <div>
          <h4 className="font-medium">You gain</h4>
          <ul className="mt-1 list-disc space-y-0.5 pl-5" data-testid="plan-gains">
            {gains.map((g) => (
              <li key={g}>{g}</li>
            ))}
          </ul>
        </div>
      )}
      {loses.length > 0 && (
        <div>
          <h4 className="font-medium">You lose</h4>
          <ul className="mt-1 list-disc space-y-0.5 pl-5" data-testid="plan-losses">
            {loses.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
          <p className="mt-1 text-gray-700" data-testid="plan-losses-when">
            {startsNow
              ? `${fromPlanName}'s features end as soon as you confirm.`
              : `You keep ${fromPlanName}'s features until the change takes effect.`}
          </p>
        </div>
      )}
    </div>
  );
}
