"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { Alert, Button, Card, Field } from "@/components/ui";
import type { SpendCapView } from "@/lib/billing/metering/spend-caps";
import { formatMoney } from "@/lib/format";
import { postApi } from "./api";

/**
 * Owners and admins: a monthly cap on usage billed past the plan's included amount. Past it, billed
 * usage is refused (402 `spend_cap_reached`) until the period resets or the cap is raised.
 */
export function SpendCapSection({ accountId, spendCap, admin = false }: { accountId: string; spendCap: SpendCapView; admin?: boolean }) {
  const router = useRouter();
  const id = useId();
  const [amount, setAmount] = useState(spendCap.capCents === null ? "" : (spendCap.capCents / 100).toFixed(2));
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);

  async function save(capCents: number | null) {
    setBusy(true);
    setStatus(null);
    // Admins set it from the console (audited as theirs); owners and admins of the account from the billing page.
    const result = admin
      ? await postApi<SpendCapView>(`/api/billing/admin/users/${accountId}/spend-cap`, { capCents })
      : await postApi<SpendCapView>("/api/billing/spend-cap", { capCents, accountId });
    setBusy(false);
    if (!result.ok) {
      setStatus({ error: true, text: result.message });
      return;
    }
    setStatus({
      error: false,
      text: capCents === null ? "Spend cap removed." : `Spend cap set to ${formatMoney(capCents, spendCap.currency)} a month.`,
    });
    if (capCents === null) setAmount("");
    router.refresh();
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const value = Number(amount);
    if (amount.trim() === "" || !Number.isFinite(value) || value < 0) {
      setStatus({ error: true, text: "Enter an amount of 0 or more." });
      return;
    }
    void save(Math.round(value * 100));
  }

  return (
    <section id="spend-cap" aria-labelledby="spend-cap-heading" className="scroll-mt-6">
      <Card className="space-y-4">
        <h2 id="spend-cap-heading" className="text-lg font-semibold">
          Spend cap
        </h2>
        <p className="text-sm text-gray-600">
          A monthly ceiling on usage billed past your plan&apos;s included amount ({spendCap.meters.map((m) => m.label).join(", ")}). At the
          cap, billed usage is refused until the period resets; you are warned at 80 %.
        </p>
        <p className="text-sm text-gray-700" data-testid="spend-cap-status">
          {spendCap.capCents === null
            ? "No cap: overage is billed in full."
            : `Cap: ${formatMoney(spendCap.capCents, spendCap.currency)} a month.`}{" "}
          Billed so far this period: {formatMoney(spendCap.spentCents, spendCap.currency)}.
        </p>
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
          <div className="w-40">
            <Field
              label={`Cap (${spendCap.currency.toUpperCase()})`}
              id={`${id}-cap`}
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              data-testid="spend-cap-input"
            />
          </div>
          <Button type="submit" disabled={busy} data-testid="spend-cap-save">
            Save cap
          </Button>
          {spendCap.capCents !== null && (
            <button
              type="button"
              className="text-sm font-medium underline"
              disabled={busy}
              onClick={() => void save(null)}
              data-testid="spend-cap-clear"
            >
              Remove cap
            </button>
          )}
        </form>
        {status && (
          <Alert tone={status.error ? "error" : "success"} testId="spend-cap-message">
            {status.text}
          </Alert>
        )}
      </Card>
    </section>
  );
}
