import type { Metadata } from "next";
import { AuthForm } from "@/components/auth-form";
import { oauthProviderIds } from "@/lib/auth/options";

export const metadata: Metadata = { title: "Sign up" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  return <AuthForm mode="sign-up" callbackUrl={callbackUrl} oauthProviders={oauthProviderIds()} />;
}
