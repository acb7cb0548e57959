import type { Metadata } from "next";
import { FilterForm, LabeledInput, LabeledSelect } from "@/components/admin/form-controls";
import { Pager } from "@/components/admin/pager";
import { WebhookEventsTable } from "@/components/admin/webhook-events-table";
import { Alert } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminWebhookEvents } from "@/lib/billing/admin/console";
import { WEBHOOK_EVENT_STATUSES, webhookListQuery } from "@/lib/billing/admin/webhooks";
import { flatSearchParams, readWithSearchParams } from "@/lib/http/query";

export const metadata: Metadata = { title: "Webhooks · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminWebhooksPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin("/admin/webhooks");
  const params = await searchParams;
  const parsed = await readWithSearchParams(params, webhookListQuery, adminWebhookEvents);
  const result = parsed.ok ? parsed.result : null;
  const query = parsed.ok ? parsed.data : { status: undefined, type: undefined };

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Webhook events</h1>
        <p className="mt-1 text-sm text-gray-600">
          Every event Stripe sent, newest first. Open one to see its payload; failed events can be replayed.
        </p>
      </div>
      <FilterForm label="Filter webhook events">
        <LabeledSelect label="Status" id="status" name="status" defaultValue={query.status ?? ""}>
          <option value="">Any status</option>
          {WEBHOOK_EVENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </LabeledSelect>
        <div className="sm:col-span-2">
          <LabeledInput label="Event type" id="type" name="type" placeholder="invoice.paid" defaultValue={query.type ?? ""} />
        </div>
      </FilterForm>
      {!parsed.ok && <Alert>These filters are not valid: {parsed.message}</Alert>}
      <WebhookEventsTable events={result?.events ?? []} caption="Webhook events" />
      <Pager basePath="/admin/webhooks" params={flatSearchParams(params)} nextCursor={result?.nextCursor ?? null} />
    </div>
  );
}
