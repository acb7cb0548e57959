import Link from "next/link";
import { SupportContact } from "@/components/support-email";
import { supportEmail } from "@/lib/support";

export default function Forbidden() {
  return (
    <div className="mx-auto max-w-md space-y-4 text-center">
      <h1 className="text-2xl font-semibold">403 — Forbidden</h1>
      <p className="text-gray-600">You do not have access to this page.</p>
      <Link href="/" className="text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300">
        Back to the home page
      </Link>
      <SupportContact email={supportEmail()} lead="Think you should have access?" />
    </div>
  );
}
