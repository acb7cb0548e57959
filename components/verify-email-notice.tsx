"use client";

import { useState } from "react";
import { postApi } from "./billing/api";
import { Alert } from "./ui";

/** Shown until the user follows the link from the verification email; can send a fresh link. */
export function VerifyEmailNotice({ email }: { email: string }) {
  const [state, setState] = useState<{ sending: boolean; message: string | null }>({ sending: false, message: null });

  async function resend() {
    setState({ sending: true, message: null });
    const result = await postApi<{ verificationSent: boolean }>("/api/account/verification");
    setState({ sending: false, message: result.ok ? `We sent a new link to ${email}.` : result.message });
  }

  return (
    <Alert tone="info" testId="verify-email-notice">
      Please confirm {email}: follow the link we emailed you. Accounts not confirmed within 7 days of sign-up are deleted unless they have a
      subscription.{" "}
      <button type="button" onClick={resend} disabled={state.sending} className="font-medium underline disabled:opacity-60">
        Send a new link
      </button>
      {state.message && <span className="block">{state.message}</span>}
    </Alert>
  );
}
