import Link from "next/link";
import { linkClass } from "./table";

/** "First page" / "Next page" links for keyset pagination, keeping the current filters. */
export function Pager({
  basePath,
  params,
  nextCursor,
}: {
  basePath: string;
  params: Record<string, string | undefined>;
  nextCursor: string | null;
}) {
  const query = (extra: Record<string, string | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...params, ...extra })) if (value) search.set(key, value);
    const text = search.toString();
    return text ? `${basePath}?${text}` : basePath;
  };
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between gap-4 text-sm">
      {params.cursor ? (
        <Link href={query({ cursor: undefined })} className={linkClass}>
          First page
        </Link>
      ) : (
        <span />
      )}
      {nextCursor && (
        <Link href={query({ cursor: nextCursor })} className={linkClass} rel="next">
          Next page
        </Link>
      )}
    </nav>
  );
}
