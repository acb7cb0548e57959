"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { LocalTime } from "@/components/local-time";
import { Alert, Button, Card } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import type { MeterCredits } from "@/lib/billing/credits/ledger";
import { formatMoney } from "@/lib/format";
import { postApi } from "./api";

const number = (n: number) => n.toLocaleString("en-US");

const KIND_LABELS: Record<string, string> = {
  purchase: "Bought",
  consume: "Used",
  return: "Usage refunded",
  refund: "Refunded payment",
  expire: "Expired",
};

/**
 * Prepaid credits per meter: the balance (drawn once the plan's included amount is used up), the
 * recent history, and for owners and admins a pack to buy through Checkout and the auto top-up.
 */
export function CreditsSection({ accountId, credits, canManage }: { accountId: string; credits: MeterCredits[]; canManage: boolean }) {
  if (credits.length === 0) return null;
  return (
    <section id="credits" aria-labelledby="credits-heading" className="scroll-mt-6">
      <Card className="space-y-6">
        <div>
          <h2 id="credits-heading" className="text-lg font-semibold">
            Prepaid credits
          </h2>
          <p className="mt-1 text-sm text-gray-600">
            Used once your plan&apos;s included amount runs out. Credits never expire and stay when you change plans.
          </p>
        </div>
        {credits.map((meter) => (
          <MeterCreditsView key={meter.meter} accountId={accountId} credits={meter} canManage={canManage} />
        ))}
      </Card>
    </section>
  );
}

function MeterCreditsView({ accountId, credits, canManage }: { accountId: string; credits: MeterCredits; canManage: boolean }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const id = useId();
  const [pack, setPack] = useState(credits.packs[0]?.id ?? "");
  const [autoPack, setAutoPack] = useState(credits.autoTopUp.packId ?? credits.packs[0]?.id ?? "");
  const [threshold, setThreshold] = useState(String(credits.autoTopUp.threshold ?? Math.floor((credits.packs[0]?.units ?? 10) / 10)));
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);

  async function buy() {
    setBusy(true);
    setStatus(null);
    const result = await postApi<{ url: string }>("/api/billing/credits/checkout", { pack, meter: credits.meter, accountId });
    if (!result.ok) {
      setBusy(false);
      setStatus({ error: true, text: result.message });
      return;
    }
    window.location.assign(result.data.url);
  }

  async function saveAutoTopUp(enabled: boolean) {
    setBusy(true);
    setStatus(null);
    const body = enabled
      ? { enabled, threshold: Number(threshold), pack: autoPack, meter: credits.meter, accountId }
      : { enabled, meter: credits.meter, accountId };
    const result = await postApi("/api/billing/credits/auto-top-up", body);
    setBusy(false);
    if (!result.ok) {
      setStatus({ error: true, text: result.message });
      return;
    }
    setStatus({ error: false, text: enabled ? "Auto top-up is on." : "Auto top-up is off." });
    router.refresh();
  }

  const last = credits.lastTopUp;
  return (
    <div className="space-y-3 border-t border-gray-100 pt-4 first:border-0 first:pt-0" data-testid={`credits-${credits.meter}`}>
      <p className="text-sm">
        <span className="font-medium">{credits.label}:</span>{" "}
        <strong className="font-semibold" data-testid={`credit-balance-${credits.meter}`}>
          {number(credits.balance)}
        </strong>{" "}
        {credits.unit} prepaid
        {credits.autoTopUp.enabled && credits.autoTopUp.threshold !== null && (
          <span className="text-gray-600"> · auto top-up below {number(credits.autoTopUp.threshold)}</span>
        )}
      </p>
      {last && (last.status === "failed" || last.status === "abandoned") && (
        <Alert tone="error" testId={`credit-top-up-failed-${credits.meter}`}>
          The last auto top-up failed{last.lastError ? ` (${last.lastError})` : ""}.{" "}
          {last.status === "failed" ? (
            <>
              We will try again on <LocalTime value={last.nextAttemptAt} style="date" />.
            </>
          ) : (
            "It will not be retried."
          )}{" "}
          Update your card in Manage billing.
        </Alert>
      )}
      {canManage && (
        <div className="flex flex-wrap items-end gap-3">
          <label className="text-sm" htmlFor={`${id}-pack`}>
            <span className="block text-gray-700">Top up</span>
            <select
              id={`${id}-pack`}
              className="mt-1 rounded border border-gray-300 px-2 py-1"
              value={pack}
              onChange={(e) => setPack(e.target.value)}
            >
              {credits.packs.map((p) => (
                <option key={p.id} value={p.id}>
                  {number(p.units)} {credits.unit} for {formatMoney(p.amount, p.currency)}
                </option>
              ))}
            </select>
          </label>
          <Button type="button" disabled={!hydrated || busy || !pack} onClick={buy}>
            Buy credits
          </Button>
        </div>
      )}
      {canManage && (
        <fieldset className="flex flex-wrap items-end gap-3 text-sm">
          <legend className="mb-1 text-gray-700">Auto top-up with your saved card</legend>
          <label htmlFor={`${id}-threshold`}>
            <span className="block text-gray-700">When below</span>
            <input
              id={`${id}-threshold`}
              type="number"
              min={1}
              className="mt-1 w-28 rounded border border-gray-300 px-2 py-1"
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
            />
          </label>
          <label htmlFor={`${id}-auto-pack`}>
            <span className="block text-gray-700">buy</span>
            <select
              id={`${id}-auto-pack`}
              className="mt-1 rounded border border-gray-300 px-2 py-1"
              value={autoPack}
              onChange={(e) => setAutoPack(e.target.value)}
            >
              {credits.packs.map((p) => (
                <option key={p.id} value={p.id}>
                  {number(p.units)} {credits.unit} ({formatMoney(p.amount, p.currency)})
                </option>
              ))}
            </select>
          </label>
          <Button type="button" disabled={!hydrated || busy} onClick={() => saveAutoTopUp(true)}>
            {credits.autoTopUp.enabled ? "Save auto top-up" : "Turn on auto top-up"}
          </Button>
          {credits.autoTopUp.enabled && (
            <Button
              type="button"
              className="bg-white text-gray-800 ring-1 ring-gray-300"
              disabled={!hydrated || busy}
              onClick={() => saveAutoTopUp(false)}
            >
              Turn off
            </Button>
          )}
        </fieldset>
      )}
      {status && (
        <Alert tone={status.error ? "error" : "success"} testId={`credits-status-${credits.meter}`}>
          {status.text}
        </Alert>
      )}
      {credits.history.length > 0 && (
        <table className="w-full text-left text-sm" data-testid={`credit-history-${credits.meter}`}>
          <caption className="sr-only">{credits.label} credit history</caption>
          <thead className="text-gray-600">
            <tr>
              <th scope="col" className="py-1 font-medium">
                Date
              </th>
              <th scope="col" className="py-1 font-medium">
                What
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                {credits.unit}
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                Balance
              </th>
            </tr>
          </thead>
          <tbody>
            {credits.history.map((line) => (
              <tr key={line.id} className="border-t border-gray-100">
                <td className="py-1">
                  <LocalTime value={line.createdAt} style="date" />
                </td>
                <td className="py-1">
                  {KIND_LABELS[line.kind] ?? line.kind}
                  {line.amount !== null && line.currency ? ` (${formatMoney(line.amount, line.currency)})` : ""}
                </td>
                <td className="py-1 text-right tabular-nums">{line.units > 0 ? `+${number(line.units)}` : number(line.units)}</td>
                <td className="py-1 text-right tabular-nums">{number(line.balanceAfter)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
