import { taxIdLabel } from "@/components/billing/tax-lines";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AccountKindBadge } from "@/components/admin/account-kind-badge";
import { ActionButton } from "@/components/admin/action-button";
import { AuditTable } from "@/components/admin/audit-table";
import { AdminInvoicesTable } from "@/components/admin/invoices-table";
import { MeterLimitCells } from "@/components/admin/limit-override-form";
import { NotificationsTable } from "@/components/admin/notifications-table";
import { SubscriptionHistoryTable } from "@/components/admin/subscription-history-table";
import { DataTable, EmptyRow, Td, Th, linkClass } from "@/components/admin/table";
import { WebhookEventsTable } from "@/components/admin/webhook-events-table";
import { SpendCapSection } from "@/components/billing/spend-cap-section";
import { StatusBadge } from "@/components/billing/status-badge";
import { LocalTime } from "@/components/local-time";
import { Card } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminCustomer } from "@/lib/billing/admin/console";
import { formatLimit, formatMoney, intervalLabel } from "@/lib/format";
import { orNotFound } from "../../or-not-found";
import { SUBSCRIPTION_STATUS } from "@/lib/billing/subscription-status";

export const metadata: Metadata = { title: "Customer · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminCustomerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireAdmin(`/admin/customers/${id}`);
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const c = await orNotFound(adminCustomer(id));
  const s = c.summary;

  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="break-all text-2xl font-semibold">{c.kind === "organization" ? (c.name ?? c.email) : c.email}</h1>
          <p className="mt-1 text-sm text-gray-600">
            <AccountKindBadge kind={c.kind} /> {c.kind === "organization" ? (c.email ? `${c.email} · ` : "") : c.name ? `${c.name} · ` : ""}
            Customer since <LocalTime value={c.customerSince} style="date" />
            {c.role === "admin" ? " · admin" : ""}
            {c.providerCustomerId ? ` · ${c.providerCustomerId}` : ""}
          </p>
          {c.taxIds.length > 0 && (
            <p className="mt-1 text-sm text-gray-600" data-testid="customer-tax-ids">
              Tax IDs: {c.taxIds.map(taxIdLabel).join(", ")}
            </p>
          )}
        </div>
        <div className="flex flex-wrap items-center gap-3" aria-label="Customer actions" role="group">
          <ActionButton
            url={`/api/billing/admin/users/${c.id}/sync`}
            label="Sync from Stripe now"
            pendingLabel="Syncing…"
            done="Synced from Stripe."
            tone="secondary"
          />
          {c.hasStaffGrant ? (
            <ActionButton
              url={`/api/billing/admin/users/${c.id}/staff`}
              body={{ grant: false }}
              label="Revoke Staff plan"
              pendingLabel="Revoking…"
              done="Staff plan revoked."
              tone="danger"
            />
          ) : (
            <ActionButton
              url={`/api/billing/admin/users/${c.id}/staff`}
              body={{ grant: true }}
              label="Grant Staff plan"
              pendingLabel="Granting…"
              done="Staff plan granted."
            />
          )}
          {c.stripeDashboardUrl && (
            <a href={c.stripeDashboardUrl} target="_blank" rel="noreferrer" className={linkClass}>
              Open in the Stripe dashboard
            </a>
          )}
        </div>
      </div>

      <Card className="space-y-3">
        <h2 className="text-lg font-semibold">Subscription</h2>
        <div className="flex flex-wrap items-center gap-3">
          <p className="text-xl font-semibold" data-testid="customer-plan">
            {s.plan.name}
          </p>
          <StatusBadge status={s.cancelAtPeriodEnd && s.status === SUBSCRIPTION_STATUS.active ? "canceling" : s.status} />
          {s.interval && <span className="text-sm text-gray-600">{intervalLabel(s.interval)}</span>}
          {s.currentPeriodEnd && (
            <span className="text-sm text-gray-600">
              Period ends <LocalTime value={s.currentPeriodEnd} style="date" />
            </span>
          )}
        </div>
        {c.seats && (
          <p className="text-sm" data-testid="customer-seats">
            <span className="font-medium">Seats:</span> {c.seats.quantity} billed for {c.seats.members}{" "}
            {c.seats.members === 1 ? "member" : "members"}
            {c.seats.pendingQuantity !== null && c.seats.pendingQuantity !== c.seats.quantity && (
              <> · {c.seats.pendingQuantity} from the next period</>
            )}
          </p>
        )}
      </Card>

      <section aria-labelledby="members-heading" className="space-y-3">
        <h2 id="members-heading" className="text-lg font-semibold">
          Members
        </h2>
        <DataTable caption="Members of this account" testId="members-table">
          <thead className="bg-gray-50">
            <tr>
              <Th>Email</Th>
              <Th>Name</Th>
              <Th>Role</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {c.members.length === 0 && <EmptyRow colSpan={3}>No members.</EmptyRow>}
            {c.members.map((m) => (
              <tr key={m.userId}>
                <Td>
                  <Link href={`/admin/customers/${m.userId}`} className={linkClass}>
                    {m.email}
                  </Link>
                </Td>
                <Td>{m.name ?? "—"}</Td>
                <Td className="capitalize">{m.role}</Td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      </section>

      <section aria-labelledby="history-heading" className="space-y-3">
        <h2 id="history-heading" className="text-lg font-semibold">
          Subscription history
        </h2>
        <SubscriptionHistoryTable history={c.history} />
      </section>

      <section aria-labelledby="subscriptions-heading" className="space-y-3">
        <h2 id="subscriptions-heading" className="text-lg font-semibold">
          Subscriptions
        </h2>
        <DataTable caption="Subscriptions" testId="subscriptions-table">
          <thead className="bg-gray-50">
            <tr>
              <Th>Plan</Th>
              <Th>Status</Th>
              <Th>Provider</Th>
              <Th className="text-right">Quantity</Th>
              <Th className="text-right">Price</Th>
              <Th>Started</Th>
              <Th>Ended</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {c.subscriptions.length === 0 && <EmptyRow colSpan={7}>No subscriptions: on the free plan.</EmptyRow>}
            {c.subscriptions.map((sub) => (
              <tr key={sub.id}>
                <Td>{sub.planName}</Td>
                <Td>
                  <StatusBadge status={sub.status} />
                </Td>
                <Td className="font-mono text-xs">
                  {sub.provider} {sub.providerSubscriptionId}
                </Td>
                <Td className="text-right tabular-nums">
                  {sub.quantity}
                  {sub.pendingQuantity !== null && sub.pendingQuantity !== sub.quantity && (
                    <span className="block text-xs text-gray-600">{sub.pendingQuantity} from the next period</span>
                  )}
                </Td>
                <Td className="text-right tabular-nums">
                  {sub.unitAmount !== null && sub.currency
                    ? `${formatMoney(sub.unitAmount * sub.quantity, sub.currency)}${sub.interval ? ` / ${sub.interval}` : ""}`
                    : "—"}
                </Td>
                <Td>
                  <LocalTime value={sub.createdAt} style="date" />
                </Td>
                <Td>
                  <LocalTime value={sub.endedAt} style="date" />
                </Td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      </section>

      <section aria-labelledby="usage-heading" className="space-y-3">
        <h2 id="usage-heading" className="text-lg font-semibold">
          Usage this period and limits
        </h2>
        <DataTable caption="Usage per meter" testId="usage-table">
          <thead className="bg-gray-50">
            <tr>
              <Th>Meter</Th>
              <Th className="text-right">Used</Th>
              <Th className="text-right">Limit</Th>
              <Th className="text-right">Share</Th>
              <Th>Custom limit</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {c.usage.map((u) => (
              <tr key={u.meter} data-testid={`usage-${u.meter}`}>
                <Td>{u.label}</Td>
                <Td className="text-right tabular-nums">{formatLimit(u.used, u.unit)}</Td>
                <MeterLimitCells accountId={c.id} initial={u} />
              </tr>
            ))}
          </tbody>
        </DataTable>
      </section>

      {c.spendCap.meters.length > 0 && <SpendCapSection accountId={c.id} spendCap={c.spendCap} admin />}

      <section aria-labelledby="credits-heading" className="space-y-3">
        <h2 id="credits-heading" className="text-lg font-semibold">
          Prepaid credits
        </h2>
        <DataTable caption="Prepaid credits per meter" testId="credits-table">
          <thead className="bg-gray-50">
            <tr>
              <Th>Meter</Th>
              <Th className="text-right">Balance</Th>
              <Th>Auto top-up</Th>
              <Th>Last top-up</Th>
              <Th>Recent</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {c.credits.map((m) => (
              <tr key={m.meter} data-testid={`credits-${m.meter}`}>
                <Td>{m.label}</Td>
                <Td className="text-right tabular-nums">{formatLimit(m.balance, m.unit)}</Td>
                <Td>{m.autoTopUp.enabled ? `below ${formatLimit(m.autoTopUp.threshold, m.unit)}: ${m.autoTopUp.packId}` : "off"}</Td>
                <Td>
                  {m.lastTopUp ? (
                    <>
                      {m.lastTopUp.status}, {m.lastTopUp.attempts} attempt{m.lastTopUp.attempts === 1 ? "" : "s"}
                      {m.lastTopUp.lastError ? ` (${m.lastTopUp.lastError})` : ""}
                    </>
                  ) : (
                    "none"
                  )}
                </Td>
                <Td>
                  {m.history.length === 0
                    ? "no history"
                    : m.history
                        .slice(0, 5)
                        .map(
                          (h) =>
                            `${h.kind} ${h.units > 0 ? "+" : ""}${h.units.toLocaleString("en-US")}${h.amount !== null && h.currency ? ` (${formatMoney(h.amount, h.currency)})` : ""}`,
                        )
                        .join(", ")}
                </Td>
              </tr>
            ))}
            {c.credits.length === 0 && <EmptyRow colSpan={5}>No meter sells credits.</EmptyRow>}
          </tbody>
        </DataTable>
      </section>

      <section aria-labelledby="invoices-heading" className="space-y-3">
        <h2 id="invoices-heading" className="text-lg font-semibold">
          Invoices
        </h2>
        <AdminInvoicesTable invoices={c.invoices} caption="This customer's invoices" showCustomer={false} />
      </section>

      <section aria-labelledby="events-heading" className="space-y-3">
        <h2 id="events-heading" className="text-lg font-semibold">
          Webhook events
        </h2>
        <WebhookEventsTable events={c.webhookEvents} caption="This customer's webhook events" />
      </section>

      <section aria-labelledby="notifications-heading" className="space-y-3">
        <h2 id="notifications-heading" className="text-lg font-semibold">
          Notifications
        </h2>
        <NotificationsTable notifications={c.notifications} caption="This customer's notifications" canRetry={c.emailDelivery} />
      </section>

      <section aria-labelledby="audit-heading" className="space-y-3">
        <h2 id="audit-heading" className="text-lg font-semibold">
          Audit log
        </h2>
        <AuditTable entries={c.audit} caption="Audit log for this customer" />
      </section>
    </div>
  );
}
