import type { Metadata } from "next";
import Link from "next/link";
import { AccountKindBadge } from "@/components/admin/account-kind-badge";
import { FilterForm, LabeledInput, LabeledSelect } from "@/components/admin/form-controls";
import { Pager } from "@/components/admin/pager";
import { DataTable, EmptyRow, Td, Th, linkClass } from "@/components/admin/table";
import { StatusBadge } from "@/components/billing/status-badge";
import { LocalTime } from "@/components/local-time";
import { Alert } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminCustomers } from "@/lib/billing/admin/console";
import { CUSTOMER_STATUS_FILTERS, customerListQuery, type CustomerListQuery, type CustomerRow } from "@/lib/billing/admin/customers";
import { METERS, PLANS, type MeterId } from "@/lib/billing/plans";
import { formatMoney, formatPercent, subscriptionStatusLabel } from "@/lib/format";
import { flatSearchParams, readWithSearchParams } from "@/lib/http/query";

export const metadata: Metadata = { title: "Customers · Admin" };
export const dynamic = "force-dynamic";

type Params = Record<string, string | string[] | undefined>;

export default async function AdminCustomersPage({ searchParams }: { searchParams: Promise<Params> }) {
  await requireAdmin("/admin/customers");
  const params = await searchParams;
  const parsed = await readWithSearchParams(params, customerListQuery, adminCustomers);
  const result = parsed.ok ? parsed.result : null;
  const query = parsed.ok ? parsed.data : customerListQuery.parse({});
  const flat = flatSearchParams(params);

  const sortHref = (sort: CustomerListQuery["sort"]) => {
    const dir = query.sort === sort && query.dir === "desc" ? "asc" : "desc";
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...flat, sort, dir, cursor: undefined })) if (v) search.set(k, v);
    return `/admin/customers?${search.toString()}`;
  };
  const ariaSort = (sort: CustomerListQuery["sort"]) =>
    query.sort === sort ? (query.dir === "asc" ? "ascending" : "descending") : undefined;
  const header = (sort: CustomerListQuery["sort"], label: string, className = "") => (
    <th
      scope="col"
      aria-sort={ariaSort(sort)}
      className={`whitespace-nowrap px-3 py-2 text-xs font-semibold uppercase tracking-wide ${className}`}
    >
      <Link href={sortHref(sort)} className={linkClass}>
        {label}
        <span aria-hidden="true">{query.sort === sort ? (query.dir === "asc" ? " ↑" : " ↓") : ""}</span>
        <span className="sr-only">, sort {query.sort === sort && query.dir === "desc" ? "ascending" : "descending"}</span>
      </Link>
    </th>
  );
  const mainMeter = (result?.customers[0]?.mainMeter ?? Object.keys(METERS)[0]) as MeterId;

  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Customers</h1>
      <FilterForm label="Filter customers">
        <div className="sm:col-span-2">
          <LabeledInput label="Email or name starts with" id="search" name="search" type="search" defaultValue={query.search ?? ""} />
        </div>
        <LabeledSelect label="Status" id="status" name="status" defaultValue={query.status ?? ""}>
          <option value="">Any status</option>
          {CUSTOMER_STATUS_FILTERS.map((s) => (
            <option key={s} value={s}>
              {subscriptionStatusLabel(s)}
            </option>
          ))}
        </LabeledSelect>
        <LabeledSelect label="Plan" id="plan" name="plan" defaultValue={query.plan ?? ""}>
          <option value="">Any plan</option>
          {PLANS.filter((p) => p.id !== "free").map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </LabeledSelect>
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="dir" value={query.dir} />
      </FilterForm>

      {!parsed.ok && <Alert>These filters are not valid: {parsed.message}</Alert>}

      <DataTable caption="Customers" testId="customers-table">
        <thead className="bg-gray-50">
          <tr>
            {header("email", "Email or name")}
            <Th>Kind</Th>
            <Th className="text-right">Members</Th>
            <Th>Plan</Th>
            <Th>Status</Th>
            {header("mrr", "MRR", "text-right")}
            <Th className="text-right">{METERS[mainMeter].label} used</Th>
            {header("created", "Customer since")}
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-100">
          {result && result.customers.length === 0 && <EmptyRow colSpan={8}>No customers match these filters.</EmptyRow>}
          {result?.customers.map((c: CustomerRow) => (
            <tr key={c.id}>
              <Td>
                <Link href={`/admin/customers/${c.id}`} className={linkClass}>
                  {c.kind === "organization" ? (c.name ?? c.email) : c.email}
                </Link>
                {c.kind === "organization" ? (
                  <span className="block text-xs text-gray-600">{c.email}</span>
                ) : (
                  c.name && c.name !== c.email && <span className="block text-xs text-gray-600">{c.name}</span>
                )}
              </Td>
              <Td>
                <AccountKindBadge kind={c.kind} />
              </Td>
              <Td className="text-right tabular-nums">{c.members}</Td>
              <Td>{c.planName}</Td>
              <Td>
                <StatusBadge status={c.status} />
              </Td>
              <Td className="text-right tabular-nums">{formatMoney(c.mrr, c.currency)}</Td>
              <Td className="text-right tabular-nums">{c.mainMeterUsage === null ? "Unlimited" : formatPercent(c.mainMeterUsage, 0)}</Td>
              <Td>
                <LocalTime value={c.customerSince} style="date" />
              </Td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      <Pager basePath="/admin/customers" params={flat} nextCursor={result?.nextCursor ?? null} />
    </div>
  );
}
