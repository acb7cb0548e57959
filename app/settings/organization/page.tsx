import type { Metadata } from "next";
import { BillingDetailsForm } from "@/components/billing/billing-details-form";
import { CreateOrganization } from "@/components/organization/create-organization";
import { OrganizationSettings } from "@/components/organization/organization-settings";
import { Card } from "@/components/ui";
import { getSelectedAccountContext } from "@/lib/accounts/current";
import { requireUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Organization" };
export const dynamic = "force-dynamic";

/** The selected organization's settings; on a personal account, how to create one. */
export default async function OrganizationSettingsPage() {
  const user = await requireUser("/settings/organization");
  const { current } = await getSelectedAccountContext(user);

  if (current.kind === "personal") {
    return (
      <div className="space-y-8">
        <h1 className="text-2xl font-semibold">Organization</h1>
        <Card className="space-y-4">
          <h2 className="text-lg font-semibold">Create an organization</h2>
          <p className="text-sm text-gray-600">
            An organization is a team with its own plan, usage and invoices: its owners and admins manage billing and members, and every
            member uses its plan. You are on your personal account; switch accounts in the header.
          </p>
          <CreateOrganization />
        </Card>
      </div>
    );
  }

  return (
    <div key={current.id} className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold">Organization</h1>
        <p className="mt-1 text-sm text-gray-600" data-testid="organization-heading">
          <strong className="font-medium text-gray-900">{current.name}</strong> · you are {current.role === "member" ? "a" : "an"}{" "}
          {current.role}
        </p>
      </div>
      <OrganizationSettings viewer={{ orgId: current.id, orgName: current.name, userId: user.id, role: current.role }} />
      {current.role !== "member" && (
        <section id="billing-details" aria-labelledby="billing-details-heading" className="scroll-mt-6">
          <Card className="space-y-4">
            <h2 id="billing-details-heading" className="text-lg font-semibold">
              Billing details
            </h2>
            <BillingDetailsForm accountId={current.id} />
          </Card>
        </section>
      )}
    </div>
  );
}
