import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui";
import { RunJob } from "@/components/usage/run-job";
import { requireUser } from "@/lib/auth/session";
import { getQuota } from "@/lib/billing/metering";

export const metadata: Metadata = { title: "Dashboard" };
export const dynamic = "force-dynamic";

export default async function DashboardPage() {
  const user = await requireUser("/dashboard");
  const quota = await getQuota(user.id);
  const jobs = quota.meters.jobs;
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold">Dashboard</h1>
      <Card className="space-y-4">
        <h2 className="text-lg font-semibold">Jobs</h2>
        <p className="text-sm text-gray-600">
          Each run uses one job from your {quota.plan.name} plan&apos;s quota. See all usage on the{" "}
          <Link href="/billing#usage" className="underline">
            billing page
          </Link>
          .
        </p>
        <RunJob initialUsed={jobs.used} limit={jobs.limit} signedIn />
      </Card>
    </div>
  );
}
