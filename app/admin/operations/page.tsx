import type { Metadata } from "next";
import { AuditTable } from "@/components/admin/audit-table";
import { NotificationsTable } from "@/components/admin/notifications-table";
import { Pager } from "@/components/admin/pager";
import { LocalTime } from "@/components/local-time";
import { Alert, Card } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminOperations } from "@/lib/billing/admin/console";
import { auditListQuery } from "@/lib/billing/admin/operations";
import { flatSearchParams, readWithSearchParams } from "@/lib/http/query";

export const metadata: Metadata = { title: "Operations · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminOperationsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin("/admin/operations");
  const params = await searchParams;
  const parsed = await readWithSearchParams(params, auditListQuery, adminOperations);
  const ops = parsed.ok ? parsed.result : await adminOperations(auditListQuery.parse({}));
  const last = ops.reconciliation;

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold">Operations</h1>

      <section aria-labelledby="reconcile-heading" className="space-y-3">
        <h2 id="reconcile-heading" className="text-lg font-semibold">
          Last reconciliation
        </h2>
        <Card className="space-y-3 text-sm">
          {!last ? (
            <p data-testid="reconcile-empty">
              No reconciliation has run yet. Run <code className="font-mono">npm run billing:reconcile</code> or let the cron route do it.
            </p>
          ) : (
            <div data-testid="reconcile-report" className="space-y-2">
              <p>
                Ran <LocalTime value={last.at} />: checked {last.report.subscriptionsChecked} subscriptions, linked{" "}
                {last.report.customersLinked} customers, replayed {last.report.webhooksReplayed.length} webhook events.
              </p>
              {last.report.drift.length === 0 ? (
                <p>No drift: the database matched Stripe.</p>
              ) : (
                <ul className="list-disc space-y-1 pl-5">
                  {last.report.drift.map((d) => (
                    <li key={d.subscriptionId}>
                      <span className="font-mono">{d.subscriptionId}</span>: {d.issue} ({d.repaired ? "repaired" : "NOT repaired"})
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </Card>
      </section>

      <section aria-labelledby="outbox-heading" className="space-y-3">
        <h2 id="outbox-heading" className="text-lg font-semibold">
          Notifications outbox
        </h2>
        {!ops.emailDelivery && (
          <Alert tone="info">
            Email delivery is not configured (SMTP_URL): notifications stay here in the outbox and cannot be retried.
          </Alert>
        )}
        <NotificationsTable notifications={ops.outbox} caption="Latest notifications" canRetry={ops.emailDelivery} />
      </section>

      <section aria-labelledby="audit-heading" className="space-y-3">
        <h2 id="audit-heading" className="text-lg font-semibold">
          Audit log
        </h2>
        {!parsed.ok && <Alert>These filters are not valid: {parsed.message}</Alert>}
        <AuditTable entries={ops.audit.entries} caption="Audit log" />
        <Pager basePath="/admin/operations" params={flatSearchParams(params)} nextCursor={ops.audit.nextCursor} />
      </section>
    </div>
  );
}
