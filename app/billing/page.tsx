import type { Metadata } from "next";
import { Card } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Billing" };

export default async function BillingPage() {
  const user = await requireUser("/billing");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Billing</h1>
      <Card>
        <p className="text-gray-600">Signed in as {user.email}.</p>
      </Card>
    </div>
  );
}
