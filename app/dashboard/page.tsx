import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import { Card } from "@/components/ui";
import { RunJob } from "@/components/usage/run-job";
import { ANONYMOUS_COOKIE, verifyAnonymousId } from "@/lib/auth/anonymous-id";
import { getSelectedAccountContext } from "@/lib/accounts/current";
import { getCurrentUser } from "@/lib/auth/session";
import { getQuota, type UsageResult } from "@/lib/billing/metering";
import { anonymousUsage } from "@/lib/billing/metering/anonymous";
import { exhaustedNotice } from "@/lib/billing/metering/quota-error";

export const metadata: Metadata = { title: "Dashboard" };
export const dynamic = "force-dynamic";

/** The demo product: signed in it meters the plan's `jobs`; signed out, the guest allowance. */
export default async function DashboardPage() {
  const user = await getCurrentUser();
  // Signed in, the runs count against the selected account (a member's against the organization).
  const account = user ? (await getSelectedAccountContext(user)).current : null;
  const jobs: UsageResult = account
    ? await getQuota(account.id).then(({ plan, meters }) => ({
        ...meters.jobs,
        meter: "jobs" as const,
        plan,
        allowed: meters.jobs.remaining !== 0,
      }))
    : await anonymousUsage(verifyAnonymousId((await cookies()).get(ANONYMOUS_COOKIE)?.value), "jobs");
  // At the limit the page opens as the 402 would leave it: Run a job disabled, the prompt shown.
  const blocked = exhaustedNotice(jobs);
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold">Dashboard</h1>
      <Card className="space-y-4">
        <h2 className="text-lg font-semibold">Jobs</h2>
        {account ? (
          <p className="text-sm text-gray-600" data-testid="jobs-account">
            {account.kind === "organization"
              ? `Each run counts against the ${account.name} organization's plan, one job per run.`
              : "Each run uses one job from your plan's quota."}{" "}
            See all usage on the{" "}
            <Link href="/billing#usage" className="underline">
              billing page
            </Link>
            .
          </p>
        ) : (
          <p className="text-sm text-gray-600" data-testid="guest-allowance">
            Try it without an account: guests get {jobs.limit} free runs. Sign up and they count towards your Free plan.
          </p>
        )}
        {/* Keyed by the account: after switching, the counts start from the new account's. */}
        <RunJob
          key={account?.id ?? "guest"}
          accountId={account?.id ?? null}
          initialUsed={jobs.used}
          limit={jobs.limit}
          signedIn={Boolean(user)}
          initialBlocked={blocked}
        />
      </Card>
    </div>
  );
}
