"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { postApi, safeAppPath } from "@/components/billing/api";
import { Alert, Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";

interface JobAnswer {
  job: { id: string; status: string; finishedAt: string };
  usage: { used: number; limit: number | null; remaining: number | null };
}

/** The demo metered feature: each run costs one `jobs` unit; at the limit it shows the 402 state. */
export function RunJob({
  accountId = null,
  initialUsed,
  limit,
  signedIn,
  initialBlocked = null,
}: {
  /** The account the runs count against (the selected one); null signed out (the guest allowance). */
  accountId?: string | null;
  initialUsed: number;
  limit: number | null;
  signedIn: boolean;
  /** The server's refusal when the allowance is already used up (the same as the 402's). */
  initialBlocked?: { message: string; upgradePath: string } | null;
}) {
  const [used, setUsed] = useState(initialUsed);
  const [currentLimit, setLimit] = useState(limit);
  const [lastJob, setLastJob] = useState<string | null>(null);
  const [blocked, setBlocked] = useState<{ message: string; upgradePath: string } | null>(initialBlocked);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  // Sign-up (and the sign-in it links to) comes back here, not to /billing.
  const pathname = usePathname();

  async function run() {
    setBusy(true);
    setError(null);
    const res = await postApi<JobAnswer>(accountId ? `/api/demo/jobs?${new URLSearchParams({ accountId })}` : "/api/demo/jobs");
    setBusy(false);
    if (res.ok) {
      setUsed(res.data.usage.used);
      setLimit(res.data.usage.limit);
      setLastJob(res.data.job.id);
      setBlocked(null);
      return;
    }
    if (res.status === 402) {
      const upgradeUrl = typeof res.details.upgradeUrl === "string" ? new URL(res.details.upgradeUrl, window.location.origin) : null;
      setUsed(Number(res.details.used ?? used));
      setBlocked({ message: res.message, upgradePath: safeAppPath(upgradeUrl ? upgradeUrl.pathname + upgradeUrl.hash : null, "/pricing") });
      return;
    }
    setError(res.message);
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-4">
        <Button type="button" onClick={run} disabled={busy || blocked !== null || !hydrated}>
          Run a job
        </Button>
        <span className="text-sm text-gray-700" data-testid="jobs-used">
          {currentLimit === null ? `${used} jobs run this period` : `${used} of ${currentLimit} jobs used`}
        </span>
      </div>
      {lastJob && !blocked && (
        <Alert tone="success" testId="job-result">
          Job finished.
        </Alert>
      )}
      {blocked && (
        <Alert testId="quota-exceeded">
          <p>{blocked.message}</p>
          <p className="mt-2">
            {signedIn ? (
              <Link href={blocked.upgradePath} className="font-medium underline">
                Upgrade your plan
              </Link>
            ) : (
              <Link href={`/sign-up?callbackUrl=${encodeURIComponent(pathname)}`} className="font-medium underline">
                Sign up to keep going
              </Link>
            )}
          </p>
        </Alert>
      )}
      {error && <Alert>{error}</Alert>}
    </div>
  );
}
