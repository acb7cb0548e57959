"use client";

import { useEffect, useState } from "react";
import { InlineError, inputClass } from "@/components/organization/inline-error";
import { Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import type { BillingDetailsView } from "@/lib/billing/billing-details";
import { callApi } from "./api";
import { taxIdLabel } from "./tax-lines";

/** The tax ID types offered (Stripe's names); Stripe checks the value's format. */
const TAX_ID_TYPES: Array<{ type: string; label: string }> = [
  { type: "eu_vat", label: "EU VAT" },
  { type: "gb_vat", label: "UK VAT" },
  { type: "ch_vat", label: "Swiss VAT" },
  { type: "no_vat", label: "Norwegian VAT" },
  { type: "au_abn", label: "Australian ABN" },
  { type: "nz_gst", label: "New Zealand GST" },
  { type: "ca_gst_hst", label: "Canadian GST/HST" },
  { type: "us_ein", label: "US EIN" },
  { type: "in_gst", label: "Indian GST" },
  { type: "sg_gst", label: "Singapore GST" },
  { type: "jp_cn", label: "Japanese corporate number" },
];

type Fields = {
  name: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  state: string;
  country: string;
  taxType: string;
  taxValue: string;
};
const EMPTY: Fields = { name: "", line1: "", line2: "", city: "", postalCode: "", state: "", country: "", taxType: "eu_vat", taxValue: "" };

function fieldsOf(view: BillingDetailsView): Fields {
  const a = view.address;
  const taxId = view.taxIds[0];
  return {
    name: view.name ?? "",
    line1: a?.line1 ?? "",
    line2: a?.line2 ?? "",
    city: a?.city ?? "",
    postalCode: a?.postalCode ?? "",
    state: a?.state ?? "",
    country: a?.country ?? "",
    taxType: taxId?.type ?? "eu_vat",
    taxValue: taxId?.value ?? "",
  };
}

/**
 * Company name, billing address and VAT/GST ID of the account (GET/POST /api/billing/details), kept on its Stripe
 * customer: with Stripe Tax on, invoices are taxed by this address, and a business with a valid VAT ID in the EU
 * is reverse charged. Owners and admins only.
 */
export function BillingDetailsForm({ accountId }: { accountId: string }) {
  const query = `/api/billing/details?${new URLSearchParams({ accountId })}`;
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [view, setView] = useState<BillingDetailsView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  useEffect(() => {
    const controller = new AbortController();
    callApi<BillingDetailsView>(query, { signal: controller.signal })
      .then((result) => {
        if (!result.ok) return setLoadError(`Your billing details could not be loaded: ${result.message}`);
        setView(result.data);
        setFields(fieldsOf(result.data));
      })
      .catch(() => {}); // aborted: unmounted
    return () => controller.abort();
  }, [query]);

  const set = (key: keyof Fields) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    setFields((f) => ({ ...f, [key]: event.target.value }));
    setSaved(false);
  };

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    const body = {
      accountId,
      name: fields.name,
      address: {
        line1: fields.line1,
        ...(fields.line2.trim() ? { line2: fields.line2 } : {}),
        city: fields.city,
        ...(fields.postalCode.trim() ? { postalCode: fields.postalCode } : {}),
        ...(fields.state.trim() ? { state: fields.state } : {}),
        country: fields.country,
      },
      taxId: fields.taxValue.trim() ? { type: fields.taxType, value: fields.taxValue } : null,
    };
    const result = await callApi<BillingDetailsView>("/api/billing/details", { method: "POST", body });
    setBusy(false);
    if (!result.ok) return setError(result.message);
    setView(result.data);
    setFields(fieldsOf(result.data));
    setSaved(true);
  }

  const input = (key: keyof Fields, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <div className="space-y-1">
      <label htmlFor={`billing-${key}`} className="block text-sm font-medium text-gray-700">
        {label}
      </label>
      <input id={`billing-${key}`} value={fields[key]} onChange={set(key)} className={inputClass} {...props} />
    </div>
  );

  if (loadError) return <InlineError message={loadError} />;
  return (
    <form onSubmit={save} className="space-y-4" data-testid="billing-details-form" aria-busy={!view}>
      {view && !view.taxEnabled && <p className="text-sm text-gray-600">Shown on your invoices.</p>}
      {view?.taxEnabled && (
        <p className="text-sm text-gray-600">Taxes on your invoices are computed from this address. Businesses: add your VAT or GST ID.</p>
      )}
      {/* Disabled until the saved details are loaded, so nothing typed meanwhile is overwritten. */}
      <fieldset disabled={!view} className="grid gap-4 sm:grid-cols-2">
        {input("name", "Company or full name", { required: true, maxLength: 200, autoComplete: "organization" })}
        {input("country", "Country (two-letter code, e.g. DE)", { required: true, maxLength: 2, autoComplete: "country" })}
        {input("line1", "Address", { required: true, maxLength: 200, autoComplete: "address-line1" })}
        {input("line2", "Address line 2 (optional)", { maxLength: 200, autoComplete: "address-line2" })}
        {input("city", "City", { required: true, maxLength: 100, autoComplete: "address-level2" })}
        {input("postalCode", "Postal code", { maxLength: 20, autoComplete: "postal-code" })}
        {input("state", "State or province (US, Canada)", { maxLength: 100, autoComplete: "address-level1" })}
        <div className="space-y-1">
          <label htmlFor="billing-taxType" className="block text-sm font-medium text-gray-700">
            Tax ID type
          </label>
          <select id="billing-taxType" value={fields.taxType} onChange={set("taxType")} className={inputClass}>
            {TAX_ID_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        {input("taxValue", "VAT / GST ID (businesses, optional)", { maxLength: 50, placeholder: "DE123456789" })}
      </fieldset>
      {view && view.taxIds.length > 0 && (
        <p className="text-sm text-gray-600" data-testid="billing-tax-ids">
          On file: {view.taxIds.map((t) => `${taxIdLabel(t)}${t.verification ? ` (${t.verification})` : ""}`).join(", ")}
        </p>
      )}
      <InlineError message={error} />
      {saved && (
        <p role="status" className="text-sm text-green-700 dark:text-green-300">
          Billing details saved.
        </p>
      )}
      <Button type="submit" disabled={busy || !hydrated || !view} aria-busy={busy}>
        {busy ? "Saving…" : "Save billing details"}
      </Button>
    </form>
  );
}
