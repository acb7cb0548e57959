import type { Metadata } from "next";
import { Card } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  const admin = await requireAdmin("/admin");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Admin</h1>
      <Card>
        <p className="text-gray-600">Signed in as {admin.email}.</p>
      </Card>
    </div>
  );
}
