"use client";

import { useState } from "react";
import { Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import { isHttpUrl, postApi } from "./api";

/** "Add a card": a Checkout in setup mode for the account's card-less trial; back on /billing once saved. */
export function AddCardButton({ accountId }: { accountId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hydrated = useHydrated();

  async function addCard() {
    setError(null);
    setBusy(true);
    const result = await postApi<{ url: string }>("/api/billing/card", { accountId });
    if (result.ok && isHttpUrl(result.data.url)) {
      window.location.assign(result.data.url);
      return;
    }
    setBusy(false);
    setError(result.ok ? "The card form could not be opened." : `The card form could not be opened: ${result.message}`);
  }

  return (
    <span className="ml-2 inline-flex items-center gap-2">
      <Button type="button" onClick={addCard} disabled={busy || !hydrated} data-testid="add-card">
        {busy ? "Opening…" : "Add a card"}
      </Button>
      {error && (
        <span role="alert" className="text-sm text-red-700">
          {error}
        </span>
      )}
    </span>
  );
}
