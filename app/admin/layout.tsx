import { AdminNav } from "@/components/admin/admin-nav";

// Each admin page checks the admin itself (requireAdmin): a layout renders in parallel with its
// page, so it cannot guard the page's data.
export default function AdminLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="space-y-6">
      <AdminNav />
      {children}
    </div>
  );
}
