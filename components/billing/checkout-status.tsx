"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { CheckoutReturn } from "@/lib/billing/checkout";
import type { BillingSummary } from "@/lib/billing/summary";
import { formatDate } from "@/lib/format";
import { callApi } from "./api";
import { SUBSCRIPTION_STATUS } from "@/lib/billing/subscription-status";

type CheckoutStatusResponse = CheckoutReturn;

type View =
  | { kind: "confirming"; slow: boolean; outage: Outage | null }
  | { kind: "confirmed"; summary: BillingSummary }
  | { kind: "open" }
  | { kind: "expired" }
  | { kind: "error"; message: string };

/** What is briefly unreachable while the page keeps polling. */
type Outage = "payments" | "database" | "server";

const OUTAGE_MESSAGES: Record<Outage, string> = {
  payments: "Stripe is not answering right now. Your payment is safe; we will keep checking and update this page by itself.",
  database: "Our database is briefly unavailable. Your payment is safe; we will keep checking and update this page by itself.",
  server: "We are having trouble reaching the server and will keep trying.",
};

const outageOf = (error: string): Outage =>
  error === "payments_unavailable" || error === "payments_busy" ? "payments" : error === "database_unavailable" ? "database" : "server";

const FAST_POLL_MS = 1_000;
const SLOW_POLL_MS = 5_000;
/** After this many fast polls the page says it is taking longer and slows down (but keeps going). */
const FAST_POLLS = 30;

const linkClass = "inline-flex rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700";
const secondaryLinkClass = "inline-flex rounded-md border border-gray-300 bg-surface px-4 py-2 text-sm font-medium hover:bg-gray-100";

/**
 * Polls the server until it has processed Stripe's checkout.session.completed webhook. Everything
 * shown (status, plan) comes from the API; the redirect's query string is only the session id.
 */
export function CheckoutStatus({ sessionId, accountId }: { sessionId: string; accountId: string }) {
  const [view, setView] = useState<View>({ kind: "confirming", slow: false, outage: null });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let polls = 0;
    let failures = 0;

    const schedule = () => {
      timer = setTimeout(() => void poll(), polls < FAST_POLLS ? FAST_POLL_MS : SLOW_POLL_MS);
    };

    async function poll() {
      polls += 1;
      let result;
      try {
        result = await callApi<CheckoutStatusResponse>(
          `/api/billing/checkout/status?${new URLSearchParams({ session_id: sessionId, accountId })}`,
          {
            signal: controller.signal,
          },
        );
      } catch {
        return; // aborted: the component unmounted
      }
      if (controller.signal.aborted) return;
      if (!result.ok) {
        if (result.status === 404) return setView({ kind: "error", message: "We could not find this checkout for your account." });
        if (result.status === 400) return setView({ kind: "error", message: "This link does not contain a valid checkout session." });
        if (result.status === 401) return setView({ kind: "error", message: "Your session has ended. Sign in again to see your billing." });
        // A passing failure (network, a 503 while Stripe or the database is down): keep trying, and
        // say so after a few attempts.
        failures += 1;
        setView({ kind: "confirming", slow: polls >= FAST_POLLS, outage: failures >= 3 ? outageOf(result.error) : null });
        return schedule();
      }
      failures = 0;
      const { status, confirmed, summary } = result.data;
      if (confirmed) return setView({ kind: "confirmed", summary });
      if (status === "expired") return setView({ kind: "expired" });
      if (status === "open") return setView({ kind: "open" });
      setView({ kind: "confirming", slow: polls >= FAST_POLLS, outage: null });
      schedule();
    }

    void poll();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [sessionId, accountId, attempt]);

  if (view.kind === "confirming") {
    return (
      <div data-testid="checkout-confirming" role="status" className="space-y-3">
        <div className="flex items-center gap-3">
          <span aria-hidden="true" className="h-5 w-5 animate-spin rounded-full border-2 border-brand-600 border-t-transparent" />
          <h1 className="text-2xl font-semibold">Confirming your payment…</h1>
        </div>
        <p className="text-gray-600">
          We are waiting for Stripe to confirm your checkout. This usually takes a few seconds; please keep this page open.
        </p>
        {view.slow && (
          <p className="text-gray-600">
            This is taking longer than usual. If Stripe took your payment, your plan will update as soon as the confirmation arrives; you
            can also check your{" "}
            <Link
              href="/billing"
              className="font-medium text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300"
            >
              billing page
            </Link>{" "}
            later.
          </p>
        )}
        {view.outage && (
          <p data-testid="checkout-outage" className="text-amber-800 dark:text-amber-200">
            {OUTAGE_MESSAGES[view.outage]}
          </p>
        )}
      </div>
    );
  }

  if (view.kind === "confirmed") {
    const { summary } = view;
    const onPaidPlan = summary.entitlements.source !== "free";
    return (
      <div data-testid="checkout-confirmed" role="status" className="space-y-4">
        {onPaidPlan ? (
          <>
            <h1 className="text-2xl font-semibold">You&apos;re on {summary.plan.name}</h1>
            {summary.status === SUBSCRIPTION_STATUS.trialing && summary.trialEnd ? (
              <p className="text-gray-600">
                Your free trial runs until {formatDate(summary.trialEnd)}. You will not be charged before then, and you can cancel any time.
              </p>
            ) : (
              <p className="text-gray-600">Thank you! Your payment went through and your plan is active.</p>
            )}
          </>
        ) : (
          <>
            <h1 className="text-2xl font-semibold">Checkout finished, but your plan is not active yet</h1>
            <p className="text-gray-600">
              Stripe reports the subscription as “{summary.status.replace(/_/g, " ")}”. Your billing page shows what to do next.
            </p>
          </>
        )}
        <Link href="/billing" className={linkClass}>
          Go to billing
        </Link>
      </div>
    );
  }

  if (view.kind === "expired") {
    return (
      <div role="status" data-testid="checkout-expired" className="space-y-4">
        <h1 className="text-2xl font-semibold">This checkout has expired</h1>
        <p className="text-gray-600">
          The checkout session timed out before payment, so nothing was charged. You can start again from the pricing page.
        </p>
        <Link href="/pricing" className={linkClass}>
          Back to pricing
        </Link>
      </div>
    );
  }

  if (view.kind === "open") {
    return (
      <div role="status" data-testid="checkout-open" className="space-y-4">
        <h1 className="text-2xl font-semibold">This checkout is not finished</h1>
        <p className="text-gray-600">
          Stripe has not received a payment for this checkout yet, so nothing was charged. If you just paid in another tab, check again.
        </p>
        <div className="flex flex-wrap gap-3">
          <button
            type="button"
            className={linkClass}
            onClick={() => {
              setView({ kind: "confirming", slow: false, outage: null });
              setAttempt((n) => n + 1);
            }}
          >
            Check again
          </button>
          <Link href="/pricing" className={secondaryLinkClass}>
            Back to pricing
          </Link>
        </div>
      </div>
    );
  }

  return (
    <div role="alert" data-testid="checkout-error" className="space-y-4">
      <h1 className="text-2xl font-semibold">We could not confirm this checkout</h1>
      <p className="text-gray-600">{view.message}</p>
      <Link href="/billing" className={linkClass}>
        Go to billing
      </Link>
    </div>
  );
}
