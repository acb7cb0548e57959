/** Small load-generation helpers for the HTTP benchmarks: a bounded worker pool and percentiles. */
import { performance } from "node:perf_hooks";

export interface LoadResult {
  count: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summarize(latencies: number[], errors: number, seconds: number): LoadResult {
  return {
    count: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(0, ...latencies),
  };
}

/**
 * Runs `task(i)` for i in [0, n) with `concurrency` in flight; `task` resolves true on success.
 * Returns latencies of every call and the count of failures.
 */
export async function runPool(n: number, concurrency: number, task: (i: number) => Promise<boolean>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = performance.now();
        const ok = await task(i).catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors += 1;
      }
    }),
  );
  return summarize(latencies, errors, (performance.now() - started) / 1000);
}

export const formatResult = (label: string, r: LoadResult) =>
  `${label.padEnd(34)} n=${String(r.count).padStart(5)}  ${r.perSecond.toFixed(0).padStart(5)} req/s  p50=${r.p50
    .toFixed(0)
    .padStart(4)} ms  p99=${r.p99.toFixed(0).padStart(5)} ms  errors=${r.errors}`;
