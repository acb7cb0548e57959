"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { LocalTime } from "@/components/local-time";
import { Alert, Button, Card } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import type { SubscriptionDiscounts } from "@/lib/billing/promotions";
import { formatMoney } from "@/lib/format";
import { postApi } from "./api";

const isoOf = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());

/**
 * The subscription's active discounts, Stripe's preview of the next invoice, and (for owners and
 * admins with a live subscription) a small form that applies a promotion code from the next invoice.
 */
export function PromotionSection({
  accountId,
  discounts,
  canApply,
}: {
  accountId: string;
  discounts: SubscriptionDiscounts | null;
  canApply: boolean;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const id = useId();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);
  const next = discounts?.nextInvoice ?? null;

  async function apply() {
    setBusy(true);
    setStatus(null);
    const result = await postApi<SubscriptionDiscounts>("/api/billing/subscription/discount", { promotionCode: code.trim(), accountId });
    setBusy(false);
    if (!result.ok) {
      setStatus({ error: true, text: result.message });
      return;
    }
    setStatus({ error: false, text: `${code.trim().toUpperCase()} applied.` });
    setCode("");
    router.refresh();
  }

  return (
    <section id="discounts" aria-labelledby="discounts-heading" className="scroll-mt-6">
      <Card className="space-y-4">
        <h2 id="discounts-heading" className="text-lg font-semibold">
          Discounts
        </h2>
        {discounts && discounts.discounts.length > 0 ? (
          <ul className="space-y-1 text-sm" data-testid="active-discounts">
            {discounts.discounts.map((d) => (
              <li key={d.id}>
                <strong className="font-mono font-medium">{d.code}</strong>
                {d.couponName ? ` (${d.couponName})` : ""}: {d.label}
                {d.end !== null && (
                  <>
                    , until <LocalTime value={isoOf(d.end)} style="date" />
                  </>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-gray-600">
            {discounts ? "No discount is active." : "Discounts and the next invoice cannot be read from Stripe right now."}
          </p>
        )}
        {next && (
          <p className="text-sm text-gray-700" data-testid="next-invoice">
            Next invoice
            {next.date !== null && (
              <>
                {" "}
                on <LocalTime value={isoOf(next.date)} style="date" />
              </>
            )}
            : <strong className="font-medium">{formatMoney(next.amountDue, next.currency)}</strong>
            {next.totalDiscount > 0 && (
              <span className="text-gray-600">
                {" "}
                ({formatMoney(next.subtotal, next.currency)} − {formatMoney(next.totalDiscount, next.currency)} discount)
              </span>
            )}
          </p>
        )}
        {canApply && (
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(event) => {
              event.preventDefault();
              if (!code.trim()) {
                setStatus({ error: true, text: "Enter a promotion code." });
                return;
              }
              void apply();
            }}
          >
            <div className="space-y-1">
              <label htmlFor={id} className="block text-sm font-medium text-gray-700">
                Apply a promotion code
              </label>
              <input
                id={id}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                maxLength={200}
                className="block w-56 rounded-md border border-gray-300 bg-surface px-3 py-2 font-mono text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500"
              />
            </div>
            <Button type="submit" disabled={busy || !hydrated}>
              {busy ? "Applying…" : "Apply"}
            </Button>
          </form>
        )}
        {status && (
          <Alert tone={status.error ? "error" : "success"} testId="promotion-status">
            {status.text}
          </Alert>
        )}
      </Card>
    </section>
  );
}
