"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { postApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";
import { LabeledInput, LabeledSelect } from "./form-controls";

const number = (value: FormDataEntryValue | null) => (typeof value === "string" && value.trim() !== "" ? Number(value) : undefined);

/**
 * Makes a coupon and its promotion code through POST /api/billing/admin/promotions. The API checks
 * every field (zod) and answers what is wrong; this form only shapes the values.
 */
export function PromotionForm() {
  const router = useRouter();
  const hydrated = useHydrated();
  const [kind, setKind] = useState<"percent" | "amount">("percent");
  const [duration, setDuration] = useState<"once" | "repeating" | "forever">("repeating");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);

  async function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    const expires = data.get("expiresAt");
    const body = {
      code: String(data.get("code") ?? "").trim(),
      name: String(data.get("name") ?? "").trim(),
      ...(kind === "percent"
        ? { percentOff: number(data.get("percentOff")) }
        : {
            amountOff: Math.round((number(data.get("amountOff")) ?? 0) * 100),
            currency: String(data.get("currency") ?? "usd").toLowerCase(),
          }),
      duration,
      ...(duration === "repeating" ? { durationInMonths: number(data.get("durationInMonths")) } : {}),
      maxRedemptions: number(data.get("maxRedemptions")),
      // A date input is a day; the code expires at the end of that day, UTC.
      expiresAt: typeof expires === "string" && expires ? `${expires}T23:59:59Z` : undefined,
      firstTimeOnly: data.get("firstTimeOnly") === "on",
    };
    setBusy(true);
    setStatus(null);
    const result = await postApi<{ code: string; offer: string }>("/api/billing/admin/promotions", body);
    setBusy(false);
    if (!result.ok) {
      setStatus({ error: true, text: result.message });
      return;
    }
    setStatus({ error: false, text: `${result.data.code} created: ${result.data.offer}.` });
    form.reset();
    router.refresh();
  }

  return (
    <form
      aria-label="New promotion code"
      className="grid gap-3 rounded-lg border border-gray-200 bg-surface p-4 sm:grid-cols-2 lg:grid-cols-4 lg:items-end"
      onSubmit={(event) => {
        event.preventDefault();
        void submit(event.currentTarget);
      }}
    >
      <LabeledInput label="Code" id="promo-code" name="code" required placeholder="LAUNCH20" autoComplete="off" />
      <LabeledInput label="Coupon name" id="promo-name" name="name" required placeholder="Launch offer" />
      <LabeledSelect label="Discount" id="promo-kind" value={kind} onChange={(e) => setKind(e.target.value as "percent" | "amount")}>
        <option value="percent">Percent off</option>
        <option value="amount">Amount off</option>
      </LabeledSelect>
      {kind === "percent" ? (
        <LabeledInput label="Percent off" id="promo-percent" name="percentOff" type="number" min="0.01" max="100" step="0.01" required />
      ) : (
        <div className="grid grid-cols-2 gap-2">
          <LabeledInput label="Amount off" id="promo-amount" name="amountOff" type="number" min="0.01" step="0.01" required />
          <LabeledInput label="Currency" id="promo-currency" name="currency" defaultValue="usd" maxLength={3} required />
        </div>
      )}
      <LabeledSelect label="Duration" id="promo-duration" value={duration} onChange={(e) => setDuration(e.target.value as typeof duration)}>
        <option value="once">Once</option>
        <option value="repeating">Several months</option>
        <option value="forever">Forever</option>
      </LabeledSelect>
      {duration === "repeating" && (
        <LabeledInput label="Months" id="promo-months" name="durationInMonths" type="number" min="1" max="120" defaultValue="3" required />
      )}
      <LabeledInput label="Max redemptions" id="promo-max" name="maxRedemptions" type="number" min="1" placeholder="Unlimited" />
      <LabeledInput label="Expires (UTC, optional)" id="promo-expires" name="expiresAt" type="date" />
      <label className="flex items-center gap-2 text-sm text-gray-700">
        <input type="checkbox" name="firstTimeOnly" className="h-4 w-4" /> First-time customers only
      </label>
      <button
        type="submit"
        disabled={busy || !hydrated}
        className="inline-flex h-9 items-center justify-center rounded-md bg-brand-600 px-4 text-sm font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60"
      >
        {busy ? "Creating…" : "Create promotion code"}
      </button>
      <span
        role="status"
        className={`text-sm sm:col-span-2 lg:col-span-4 ${status?.error ? "text-red-700 dark:text-red-300" : "text-gray-700"}`}
      >
        {status?.text ?? ""}
      </span>
    </form>
  );
}
