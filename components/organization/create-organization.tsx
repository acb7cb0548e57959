"use client";

import { useRouter } from "next/navigation";
import { NewOrganizationForm } from "@/components/accounts/new-organization-form";
import { selectAccount } from "@/components/accounts/select-account";

/** On a personal account: create an organization, which is then selected. */
export function CreateOrganization() {
  const router = useRouter();
  return (
    <NewOrganizationForm
      onCreated={(org) => {
        selectAccount(org.id);
        router.refresh();
      }}
    />
  );
}
