"use client";

import { Alert } from "@/components/ui";

export default function AdminError({ reset }: { error: Error; reset: () => void }) {
  return (
    <div className="space-y-4">
      <Alert>This admin page could not be loaded. The error was logged on the server.</Alert>
      <button
        type="button"
        onClick={reset}
        className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
      >
        Try again
      </button>
    </div>
  );
}
