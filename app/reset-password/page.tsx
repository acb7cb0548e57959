import type { Metadata } from "next";
import { ResetPasswordForm } from "@/components/password-reset-forms";

// The token is in this page's URL: never sent onward as a Referer.
export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

/** The link from the reset email; the token is checked when the new password is submitted. */
export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const raw = (await searchParams).token;
  return <ResetPasswordForm token={(Array.isArray(raw) ? raw[0] : raw) ?? ""} />;
}
