"use client";

import { useEffect, useState, useSyncExternalStore, type ComponentProps } from "react";
import { ACCOUNT_CHANGED_EVENT, type AccountContext } from "@/components/accounts/select-account";
import { hasSession } from "@/components/session-probe";
import type { BillingSummary } from "@/lib/billing/summary";
import type { BillingInterval } from "@/lib/billing/plans";
import { PricingPlans, type PricingViewer } from "./pricing-plans";
import { inGroup, NOT_ENDED } from "@/lib/billing/subscription-status";

const SIGNED_OUT: PricingViewer = {
  signedIn: false,
  currentPlanId: null,
  currentInterval: null,
  hasSubscription: false,
  trialUsed: false,
  account: null,
};

const noSubscription = () => () => {};

type Props = Omit<ComponentProps<typeof PricingPlans>, "viewer" | "initialInterval" | "resumePlanId">;

/**
 * The pricing page's HTML is the same for every visitor (and cached); the browser then marks the
 * signed-in visitor's plan (from /api/billing/subscription, never the URL) and picks up the plan
 * and interval chosen before signing up from the query string. The plan shown and bought is the
 * selected account's (the header's switcher; /api/me says which it is, re-checked on the server).
 */
export function VisitorPricing(props: Props) {
  const [viewer, setViewer] = useState<PricingViewer>(SIGNED_OUT);
  // Until the browser knows who is visiting, the plans are shown but inert: a click must not send a
  // signed-in member to sign-up.
  const [known, setKnown] = useState(false);
  // The query string is only known in the browser; the static HTML renders the defaults.
  const search = useSyncExternalStore(
    noSubscription,
    () => window.location.search,
    () => "",
  );
  const params = new URLSearchParams(search);
  const interval: BillingInterval = params.get("interval") === "year" ? "year" : "month";
  const planId = params.get("plan");

  // Read again when the header's switcher selects another account.
  const [accountVersion, setAccountVersion] = useState(0);
  useEffect(() => {
    const onChange = () => setAccountVersion((v) => v + 1);
    window.addEventListener(ACCOUNT_CHANGED_EVENT, onChange);
    return () => window.removeEventListener(ACCOUNT_CHANGED_EVENT, onChange);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    const json = { cache: "no-store", signal: controller.signal, headers: { accept: "application/json" } } as const;
    hasSession(controller.signal)
      .then(async (signedIn) => {
        if (!signedIn) return setKnown(true);
        const me = await fetch("/api/me", json);
        if (!me.ok) return setKnown(true);
        const { current, accounts } = ((await me.json()) as { accounts: AccountContext }).accounts;
        const res = await fetch(`/api/billing/subscription?${new URLSearchParams({ accountId: current.id })}`, json);
        if (!res.ok) return setKnown(true);
        const summary = (await res.json()) as BillingSummary;
        const personal = accounts.find((a) => a.kind === "personal") ?? null;
        setViewer({
          signedIn: true,
          currentPlanId: summary.plan.id,
          currentInterval: summary.interval,
          hasSubscription: summary.provider === "stripe" && inGroup(NOT_ENDED, summary.status),
          trialUsed: summary.trialUsed,
          account: {
            id: current.id,
            kind: current.kind,
            name: current.name,
            canManage: current.canManage,
            personalId: personal?.id ?? null,
          },
        });
        setKnown(true);
      })
      .catch((error: unknown) => {
        if (!(error instanceof DOMException && error.name === "AbortError")) setKnown(true);
      });
    return () => controller.abort();
  }, [accountVersion]);

  // Remount when the query's choice arrives so the toggle starts from it.
  return (
    <div inert={!known} data-testid="pricing-plans" data-viewer-known={known}>
      <PricingPlans key={`${interval}:${planId}`} {...props} viewer={viewer} initialInterval={interval} resumePlanId={planId} />
    </div>
  );
}
