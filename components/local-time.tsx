"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

export type LocalTimeStyle = "long" | "date" | "datetime";

const OPTIONS: Record<LocalTimeStyle, Intl.DateTimeFormatOptions> = {
  long: { dateStyle: "long" },
  date: { dateStyle: "medium" },
  datetime: { dateStyle: "medium", timeStyle: "short" },
};

/**
 * A moment shown in the viewer's locale and time zone. The server (which knows neither) renders
 * it in UTC, labelled as such; the browser replaces it after hydration without a mismatch.
 */
export function LocalTime({ value, style = "datetime" }: { value: string | null; style?: LocalTimeStyle }) {
  const text = useSyncExternalStore(
    noSubscription,
    () => (value ? new Intl.DateTimeFormat(undefined, OPTIONS[style]).format(new Date(value)) : "—"),
    () =>
      value
        ? `${new Intl.DateTimeFormat("en-US", { ...OPTIONS[style], timeZone: "UTC" }).format(new Date(value))}${style === "datetime" ? " UTC" : ""}`
        : "—",
  );
  if (!value) return <span>—</span>;
  return <time dateTime={value}>{text}</time>;
}
