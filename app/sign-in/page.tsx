import type { Metadata } from "next";
import { AuthForm } from "@/components/auth-form";
import { oauthProviderIds } from "@/lib/auth/options";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  return <AuthForm mode="sign-in" callbackUrl={callbackUrl} oauthProviders={oauthProviderIds()} />;
}
