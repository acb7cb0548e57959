"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { postApi } from "./billing/api";
import { Alert, Button, Field } from "./ui";
import { useHydrated } from "./use-hydrated";

const linkClass = "text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300";

/** Asks for a reset link; the answer never says whether the address has an account. */
export function ForgotPasswordForm() {
  const hydrated = useHydrated();
  const [state, setState] = useState<{ pending: boolean; sentTo: string | null; error: string | null }>({
    pending: false,
    sentTo: null,
    error: null,
  });

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email") ?? "");
    setState({ pending: true, sentTo: null, error: null });
    const result = await postApi<{ email: string }>("/api/account/password-reset", { email });
    setState({ pending: false, sentTo: result.ok ? result.data.email : null, error: result.ok ? null : result.message });
  }

  return (
    <div className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-semibold">Reset your password</h1>
      {state.sentTo ? (
        <Alert tone="success" testId="reset-requested">
          If {state.sentTo} has an account, we emailed it a link to choose a new password. The link works once, for 1 hour.
        </Alert>
      ) : (
        <>
          {state.error && <Alert testId="form-error">{state.error}</Alert>}
          <p className="text-sm text-gray-600">
            Enter the email address of your account and we will email you a link to choose a new password. Following it also confirms the
            address is yours: if someone else registered it, the account becomes yours.
          </p>
          <form onSubmit={onSubmit} method="post" className="space-y-4" noValidate>
            <Field label="Email" id="email" name="email" type="email" autoComplete="email" required />
            <Button type="submit" disabled={state.pending || !hydrated} className="w-full">
              Email me a reset link
            </Button>
          </form>
        </>
      )}
      <p className="text-sm text-gray-600">
        Remembered it?{" "}
        <Link href="/sign-in" className={linkClass}>
          Sign in
        </Link>
      </p>
    </div>
  );
}

/** Sets the new password with the token from the emailed link. */
export function ResetPasswordForm({ token }: { token: string }) {
  const hydrated = useHydrated();
  const [state, setState] = useState<{ pending: boolean; done: boolean; error: string | null }>({
    pending: false,
    done: false,
    error: null,
  });
  // The token stays out of the address bar (history, screenshots) once the page has it.
  useEffect(() => window.history.replaceState(null, "", "/reset-password"), []);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get("password") ?? "");
    setState({ pending: true, done: false, error: null });
    const result = await postApi("/api/account/password-reset/confirm", { token, password });
    setState({ pending: false, done: result.ok, error: result.ok ? null : result.message });
  }

  if (state.done) {
    return (
      <div className="mx-auto max-w-sm space-y-6">
        <h1 className="text-2xl font-semibold">Password changed</h1>
        <Alert tone="success" testId="password-reset-done">
          Your new password is set and your email address is confirmed. Every other session was signed out and the account&apos;s API keys
          were revoked.
        </Alert>
        <Link href="/sign-in" className="inline-flex rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
          Sign in
        </Link>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-semibold">Choose a new password</h1>
      {state.error && <Alert testId="form-error">{state.error}</Alert>}
      <form onSubmit={onSubmit} method="post" className="space-y-4" noValidate>
        <Field label="New password" id="password" name="password" type="password" autoComplete="new-password" required />
        <p className="text-xs text-gray-500">At least 10 characters, mixing letters with numbers or symbols.</p>
        <p className="text-xs text-gray-500">
          Setting it signs you out everywhere. On an account whose address was never confirmed, it also revokes its API keys and unlinks
          GitHub and Google sign-in.
        </p>
        <Button type="submit" disabled={state.pending || !hydrated} className="w-full">
          Set new password
        </Button>
      </form>
      <p className="text-sm text-gray-600">
        Link expired?{" "}
        <Link href="/forgot-password" className={linkClass}>
          Ask for a new one
        </Link>
      </p>
    </div>
  );
}
