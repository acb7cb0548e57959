import type { CustomerRow } from "@/lib/billing/admin/customers";

type AccountKind = CustomerRow["kind"];

const LABELS: Record<AccountKind, string> = { personal: "Personal", organization: "Organization" };
const TONES: Record<AccountKind, string> = {
  personal: "bg-gray-100 text-gray-700",
  organization: "bg-blue-100 text-blue-800 dark:bg-blue-950 dark:text-blue-200",
};

/** Whether a customer is a person's own account or an organization, as a pill. */
export function AccountKindBadge({ kind }: { kind: AccountKind }) {
  return (
    <span
      data-testid="account-kind"
      data-kind={kind}
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ${TONES[kind]}`}
    >
      {LABELS[kind]}
    </span>
  );
}
