"use client";

import { SUPPORT_EMAIL_AT_BUILD } from "@/env/client";
import { DEFAULT_SUPPORT_EMAIL } from "@/lib/support-default";

// The root layout (which hands the runtime SUPPORT_EMAIL down) did not render: the value next.config
// captured at build time.
const SUPPORT_EMAIL = SUPPORT_EMAIL_AT_BUILD || DEFAULT_SUPPORT_EMAIL;

/** Last resort when even the root layout cannot render (for example the database is down). */
export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", maxWidth: 480, margin: "80px auto", textAlign: "center" }}>
        <div role="alert" data-testid="page-error">
          <h1>We can&apos;t load this page right now</h1>
          <p>A service we depend on is temporarily unavailable. Nothing was lost. Please try again in a moment.</p>
          <button type="button" onClick={() => reset()}>
            Try again
          </button>
          <p data-testid="support-contact">
            Still not working? Write to <a href={`mailto:${SUPPORT_EMAIL}`}>{SUPPORT_EMAIL}</a>.
          </p>
        </div>
      </body>
    </html>
  );
}
