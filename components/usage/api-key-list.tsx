import { Button, Field } from "@/components/ui";
import type { ApiKeyView } from "@/lib/auth/api-keys";
import { formatShortDate } from "@/lib/format";

/*
 * The API key manager's markup, without state or hooks; event handlers only when given. The billing page renders it on the server as the
 * placeholder (inert, no JavaScript) until the interactive manager (api-keys.tsx) has loaded, which
 * renders the same markup: the swap moves nothing on the page.
 */

export interface ApiKeyFormProps {
  name?: string;
  expiresOn?: string;
  onName?: (value: string) => void;
  onExpiresOn?: (value: string) => void;
  onSubmit?: (event: React.FormEvent) => void;
  disabled: boolean;
}

/** Name, optional expiry, "Create key". Without handlers (the placeholder) the fields are inert. */
export function ApiKeyForm({ name, expiresOn, onName, onExpiresOn, onSubmit, disabled }: ApiKeyFormProps) {
  const live = Boolean(onSubmit);
  return (
    <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3">
      <div className="min-w-0 flex-1 basis-48">
        <Field
          label="Key name"
          id="api-key-name"
          required
          maxLength={100}
          placeholder="e.g. backend"
          disabled={!live}
          {...(live ? { value: name, onChange: (e: React.ChangeEvent<HTMLInputElement>) => onName?.(e.target.value) } : {})}
        />
      </div>
      <div className="min-w-0">
        <Field
          label="Expires on (optional)"
          id="api-key-expires"
          type="date"
          disabled={!live}
          {...(live ? { value: expiresOn, onChange: (e: React.ChangeEvent<HTMLInputElement>) => onExpiresOn?.(e.target.value) } : {})}
        />
      </div>
      <Button type="submit" disabled={disabled || !live}>
        Create key
      </Button>
    </form>
  );
}

export interface ApiKeyListProps {
  keys: ApiKeyView[];
  disabled: boolean;
  /** The key whose revocation waits for a confirmation. */
  confirming?: string | null;
  onRevoke?: (id: string) => void;
  onConfirmRevoke?: (id: string) => void;
  onCancelRevoke?: () => void;
}

const quiet =
  "rounded-md border border-gray-300 bg-surface px-3 py-1 text-xs font-medium text-gray-900 hover:bg-gray-100 disabled:cursor-not-allowed disabled:opacity-60";

/** One row per key: name and prefix, its dates, and Revoke (which asks first). Wraps on a phone. */
export function ApiKeyList({ keys, disabled, confirming = null, onRevoke, onConfirmRevoke, onCancelRevoke }: ApiKeyListProps) {
  if (keys.length === 0) return <p className="text-sm text-gray-600">No API keys yet.</p>;
  return (
    <ul className="divide-y divide-gray-200 text-sm" data-testid="api-key-list" aria-label="Your API keys">
      {keys.map((k) => (
        <li key={k.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 py-3" data-testid="api-key-row">
          <div className="min-w-0">
            <p className="break-words">
              <span className="font-medium">{k.name}</span> <span className="font-mono text-xs text-gray-600">{k.prefix}…</span>
            </p>
            <p className="text-xs text-gray-600">
              Created {formatShortDate(k.createdAt)} · Last used {k.lastUsedAt ? formatShortDate(k.lastUsedAt) : "never"} · Expires{" "}
              {k.expiresAt ? formatShortDate(k.expiresAt) : "never"}
            </p>
          </div>
          {confirming === k.id ? (
            <div role="group" aria-label={`Revoke ${k.name}?`} className="flex flex-wrap items-center gap-2" data-testid="revoke-confirm">
              <span className="text-xs text-gray-700">Services using it stop working at once.</span>
              <button
                type="button"
                autoFocus
                disabled={disabled}
                onClick={onConfirmRevoke && (() => onConfirmRevoke(k.id))}
                className="rounded-md bg-red-700 px-3 py-1 text-xs font-medium text-white hover:bg-red-800 disabled:cursor-not-allowed disabled:opacity-60"
              >
                Revoke key
              </button>
              <button type="button" disabled={disabled} onClick={onCancelRevoke} className={quiet}>
                Cancel
              </button>
            </div>
          ) : (
            <button
              type="button"
              disabled={disabled || !onRevoke}
              // No handler in the server-rendered placeholder (a server component cannot hand one to the browser).
              onClick={onRevoke && (() => onRevoke(k.id))}
              className="rounded-md px-2 py-1 text-sm font-medium text-red-700 hover:underline disabled:opacity-60 dark:text-red-300"
              aria-label={`Revoke ${k.name}`}
              data-key-id={k.id}
            >
              Revoke
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** What the server renders in the manager's place: the same layout, inert. */
export function ApiKeysPlaceholder({ keys }: { keys: ApiKeyView[] }) {
  return (
    <div className="space-y-4">
      <ApiKeyForm disabled />
      <ApiKeyList keys={keys} disabled />
    </div>
  );
}
