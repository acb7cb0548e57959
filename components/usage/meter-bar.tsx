import Link from "next/link";
import { formatDate, formatLimit } from "@/lib/format";

export interface MeterBarProps {
  id: string;
  label: string;
  unit: string;
  used: number;
  limit: number | null;
  percent: number | null;
  state: "ok" | "warning" | "exceeded" | "unlimited";
  /** Null for a gauge, which holds its level until it is changed. */
  resetsAt: string | null;
  overage: "block" | "bill";
  upgradePath: string;
}

const BAR_COLOR = { ok: "bg-brand-600", warning: "bg-amber-500", exceeded: "bg-red-600", unlimited: "bg-brand-600" } as const;

/** used / limit with a bar: amber from 80 %, red at 100 % with an upgrade prompt. */
export function MeterBar(props: MeterBarProps) {
  const { id, label, unit, used, limit, percent, state, resetsAt, overage, upgradePath } = props;
  const usedText = new Intl.NumberFormat("en-US").format(used);
  return (
    <div data-testid={`meter-${id}`} data-state={state} className="space-y-1.5">
      <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span className="font-medium">{label}</span>
        <span className="text-gray-700" data-testid={`meter-${id}-text`}>
          {limit === null ? `${usedText} ${unit} · Unlimited` : `${usedText} / ${formatLimit(limit, unit)} (${Math.floor(percent ?? 0)}%)`}
        </span>
      </div>
      {limit !== null && (
        <div
          role="progressbar"
          aria-label={`${label} used`}
          aria-valuemin={0}
          aria-valuemax={limit}
          aria-valuenow={Math.min(used, limit)}
          className="h-2.5 w-full overflow-hidden rounded-full bg-gray-200"
        >
          <div className={`h-full rounded-full ${BAR_COLOR[state]}`} style={{ width: `${percent ?? 0}%` }} />
        </div>
      )}
      {resetsAt && <p className="text-xs text-gray-500">Resets on {formatDate(resetsAt)}</p>}
      {state === "exceeded" && overage === "block" && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300" data-testid={`meter-${id}-upgrade`}>
          You have reached your {label.toLowerCase()} limit.{" "}
          <Link href={upgradePath} className="font-medium underline">
            Upgrade for more
          </Link>
        </p>
      )}
      {state === "warning" && (
        <p className="text-sm text-amber-800 dark:text-amber-200" data-testid={`meter-${id}-warning`}>
          {overage === "bill" ? "Close to the included amount: usage past it is billed." : "Close to the limit."}{" "}
          <Link href={upgradePath} className="font-medium underline">
            Upgrade before you reach it
          </Link>
        </p>
      )}
      {state === "exceeded" && overage === "bill" && (
        <p className="text-sm text-amber-800 dark:text-amber-200">Usage past the included amount is billed on your next invoice.</p>
      )}
    </div>
  );
}
