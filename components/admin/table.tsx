import type { ReactNode } from "react";

/**
 * A data table that scrolls sideways inside its own keyboard-focusable region on narrow screens,
 * so the page itself never does.
 */
export function DataTable({ caption, children, testId }: { caption: string; children: ReactNode; testId?: string }) {
  return (
    <div
      role="region"
      aria-label={caption}
      tabIndex={0}
      className="relative overflow-x-auto rounded-lg border border-gray-200 bg-surface focus-visible:outline-2 focus-visible:outline-brand-600"
    >
      <table data-testid={testId} className="min-w-full divide-y divide-gray-200 text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}

export function Th({ children, className = "" }: { children?: ReactNode; className?: string }) {
  return (
    <th scope="col" className={`whitespace-nowrap px-3 py-2 text-xs font-semibold uppercase tracking-wide text-gray-600 ${className}`}>
      {children}
    </th>
  );
}

export function Td({ children, className = "" }: { children?: ReactNode; className?: string }) {
  return <td className={`whitespace-nowrap px-3 py-2 align-top ${className}`}>{children}</td>;
}

export function EmptyRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-3 py-8 text-center text-gray-600">
        {children}
      </td>
    </tr>
  );
}

export const linkClass =
  "font-medium text-brand-700 underline decoration-brand-300 underline-offset-2 hover:decoration-brand-700 dark:text-brand-300 dark:decoration-brand-500";
