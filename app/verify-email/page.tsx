import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui";
import { verifyEmailToken } from "@/lib/auth/account-emails";

export const metadata: Metadata = { title: "Confirm your email" };
export const dynamic = "force-dynamic";

/** The link from the verification email: the token alone proves the address, no session needed. */
export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const raw = (await searchParams).token;
  const verified = await verifyEmailToken((Array.isArray(raw) ? raw[0] : raw) ?? "");
  return (
    <div className="mx-auto max-w-xl">
      <Card className="space-y-4">
        <h1 className="text-2xl font-semibold">{verified ? "Email confirmed" : "This link is invalid or has expired"}</h1>
        <p className="text-gray-600">
          {verified
            ? "Thank you: your email address is confirmed."
            : "Verification links work once and for 24 hours. Sign in and ask for a new one from your billing page."}
        </p>
        <Link href="/billing" className="inline-flex rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
          Go to billing
        </Link>
      </Card>
    </div>
  );
}
