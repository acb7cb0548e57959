import { Card } from "@/components/ui";
import type { UsageOverview } from "@/lib/billing/metering/overview";
import { MeterBar } from "./meter-bar";
import { UsageChart } from "./usage-chart";

/** The billing page's usage card: a bar per meter and the daily chart for the period. */
export function UsageSection({ overview }: { overview: UsageOverview }) {
  return (
    <section id="usage" aria-labelledby="usage-heading" className="scroll-mt-6">
      <Card className="space-y-6">
        <h2 id="usage-heading" className="text-lg font-semibold">
          Usage this period
        </h2>
        <div className="grid gap-6 sm:grid-cols-2">
          {overview.meters.map((m) => (
            <div key={m.id}>
              <MeterBar
                id={m.id}
                label={m.label}
                unit={m.unit}
                used={m.used}
                limit={m.limit}
                percent={m.percent}
                state={m.state}
                resetsAt={m.resetsAt}
                overage={m.overage}
                upgradePath={overview.upgradePath}
              />
              {m.windows.length > 1 && (
                <p className="mt-1 text-xs text-gray-600" data-testid={`meter-${m.id}-windows`}>
                  {m.windows
                    .filter((w) => w.window !== "period")
                    .map(
                      (w) =>
                        `${w.window === "day" ? "Today (UTC)" : "This hour (UTC)"}: ${w.used.toLocaleString("en-US")} of ${(w.limit ?? 0).toLocaleString("en-US")}`,
                    )
                    .join(" · ")}
                </p>
              )}
            </div>
          ))}
        </div>
        {overview.levels.length > 0 && (
          <div>
            <h3 className="mb-2 text-sm font-medium text-gray-600">In use now</h3>
            <div className="grid gap-6 sm:grid-cols-2">
              {overview.levels.map((l) => (
                <div key={l.id}>
                  <MeterBar
                    id={l.id}
                    label={l.label}
                    unit={l.unit}
                    used={l.level}
                    limit={l.limit}
                    percent={l.percent}
                    state={l.state}
                    resetsAt={null}
                    overage="block"
                    upgradePath={overview.upgradePath}
                  />
                  {l.over && (
                    <p className="mt-1 text-sm text-red-700 dark:text-red-300" data-testid={`level-${l.id}-over`}>
                      More than your plan allows: remove some to add new ones, or upgrade.
                    </p>
                  )}
                </div>
              ))}
            </div>
          </div>
        )}
        <div>
          <h3 className="mb-2 text-sm font-medium text-gray-600">Daily usage</h3>
          <UsageChart series={overview.meters.map((m) => ({ id: m.id, label: m.label, points: m.history }))} />
        </div>
      </Card>
    </section>
  );
}
