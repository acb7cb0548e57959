"use client";

import Link from "next/link";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { Alert, Button, Field } from "./ui";
import { useHydrated } from "./use-hydrated";

function signInError(mode: "sign-in" | "sign-up", code: string | null | undefined): string {
  if (code === "rate_limited") return "Too many sign-in attempts. Please wait a few minutes and try again.";
  if (code === "unavailable") return "Sign-in is unavailable right now. Please try again shortly.";
  // After sign-up, a failed sign-in means the address already had an account (its owner was emailed).
  if (mode === "sign-up") return "Check your email to continue. If you already have an account, sign in instead.";
  return "Invalid email or password.";
}

const DEFAULT_LANDING = "/billing";

/** Where a sign-in without a return path lands: the admin area for admins, billing for everyone else. */
async function landingPath(): Promise<string> {
  const me = await fetch("/api/me", { cache: "no-store" })
    .then((res) => (res.ok ? (res.json() as Promise<{ user?: { role?: string } }>) : null))
    .catch(() => null);
  return me?.user?.role === "admin" ? "/admin" : DEFAULT_LANDING;
}

export function AuthForm({
  mode,
  callbackUrl: rawCallbackUrl,
  oauthProviders,
}: {
  mode: "sign-in" | "sign-up";
  callbackUrl?: string;
  oauthProviders: string[];
}) {
  // "" when the link named no (usable) return path: then the landing depends on who signed in.
  const callbackUrl = safeCallbackUrl(rawCallbackUrl, "");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Until hydrated the form has no handler: the buttons stay disabled (which also blocks submitting
  // with Enter), and the form says POST so that even then the password never lands in a URL.
  const hydrated = useHydrated();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setPending(true);
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    try {
      if (mode === "sign-up") {
        const res = await fetch("/api/account", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password, name: String(form.get("name") ?? "") || undefined }),
        });
        if (!res.ok) {
          const body = (await res.json().catch(() => ({}))) as { message?: string };
          setError(body.message ?? "Could not create the account.");
          return;
        }
      }
      const result = await signIn("credentials", { email, password, redirect: false }).catch(() => null);
      if (!result || result.error) {
        setError(signInError(mode, result?.error));
        return;
      }
      // A new account is never an admin yet (the role needs a verified address): no need to ask.
      window.location.assign(callbackUrl || (mode === "sign-up" ? DEFAULT_LANDING : await landingPath()));
    } finally {
      setPending(false);
    }
  }

  const other = mode === "sign-in" ? "/sign-up" : "/sign-in";
  const query = callbackUrl ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : "";
  return (
    <div className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-semibold">{mode === "sign-in" ? "Sign in" : "Create your account"}</h1>
      {error && <Alert testId="form-error">{error}</Alert>}
      <form onSubmit={onSubmit} method="post" className="space-y-4" noValidate>
        {mode === "sign-up" && <Field label="Name" id="name" name="name" autoComplete="name" />}
        <Field label="Email" id="email" name="email" type="email" autoComplete="email" required />
        <Field
          label="Password"
          id="password"
          name="password"
          type="password"
          autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
          required
        />
        {mode === "sign-up" && <p className="text-xs text-gray-500">At least 10 characters, mixing letters with numbers or symbols.</p>}
        <Button type="submit" disabled={pending || !hydrated} className="w-full">
          {mode === "sign-in" ? "Sign in" : "Sign up"}
        </Button>
      </form>
      {mode === "sign-in" && (
        <p className="text-sm">
          <Link href="/forgot-password" className="text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300">
            Forgot your password?
          </Link>
        </p>
      )}
      {oauthProviders.length > 0 && (
        <div className="space-y-2">
          {oauthProviders.map((id) => (
            <button
              key={id}
              type="button"
              disabled={!hydrated}
              onClick={() => signIn(id, { callbackUrl: callbackUrl || DEFAULT_LANDING })}
              className="w-full rounded-md border border-gray-300 px-4 py-2 text-sm capitalize hover:bg-gray-100 disabled:opacity-60"
            >
              Continue with {id}
            </button>
          ))}
        </div>
      )}
      <p className="text-sm text-gray-600">
        {mode === "sign-in" ? "No account yet? " : "Already have an account? "}
        <Link href={`${other}${query}`} className="text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300">
          {mode === "sign-in" ? "Sign up" : "Sign in"}
        </Link>
      </p>
    </div>
  );
}
