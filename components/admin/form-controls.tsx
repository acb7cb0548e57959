import type { ComponentProps, ReactNode } from "react";

const control =
  "block w-full rounded-md border border-gray-300 bg-surface px-3 py-2 text-sm text-gray-900 shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500";

export function LabeledSelect({
  label,
  id,
  children,
  ...props
}: { label: string; id: string; children: ReactNode } & ComponentProps<"select">) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-gray-700">
        {label}
      </label>
      <select id={id} className={control} {...props}>
        {children}
      </select>
    </div>
  );
}

export function LabeledInput({ label, id, ...props }: { label: string; id: string } & ComponentProps<"input">) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-gray-700">
        {label}
      </label>
      <input id={id} className={control} {...props} />
    </div>
  );
}

export function FilterForm({ label, children }: { label: string; children: ReactNode }) {
  return (
    <form
      method="get"
      role="search"
      aria-label={label}
      className="grid gap-3 rounded-lg border border-gray-200 bg-surface p-4 sm:grid-cols-2 lg:grid-cols-6 lg:items-end"
    >
      {children}
      <button
        type="submit"
        className="inline-flex h-9 items-center justify-center rounded-md bg-brand-600 px-4 text-sm font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
      >
        Apply
      </button>
    </form>
  );
}
