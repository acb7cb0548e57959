import type { Sql } from "postgres";

/**
 * A client-side deadline for every query on a postgres.js client. Postgres enforces
 * `statement_timeout` itself, but a frozen or partitioned server enforces nothing: without this a
 * query (and the request waiting for it) would hang until the kernel gives up on the socket.
 *
 * A query that misses its deadline rejects with code `QUERY_DEADLINE` (db/errors.ts turns it into a
 * 503). Its connection stays busy until the server answers or the socket dies; postgres.js then
 * reuses it, so the app recovers by itself when the server comes back.
 */
export class QueryDeadlineError extends Error {
  readonly code = "QUERY_DEADLINE";
  constructor(ms: number, what: string) {
    super(`database did not answer within ${ms} ms (${what})`);
    this.name = "QueryDeadlineError";
  }
}

/** `promise`, or a QueryDeadlineError for `what` once `ms` have passed without an answer. */
export function race<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueryDeadlineError(ms, what)), ms);
  });
  return Promise.race([Promise.resolve(promise), deadline]).finally(() => clearTimeout(timer));
}

type PendingQuery = PromiseLike<unknown> & Record<string, unknown>;

/** Wraps a postgres.js PendingQuery (lazy until awaited) so awaiting it races the deadline. */
function pendingWithDeadline(query: PendingQuery, ms: number): PendingQuery {
  return new Proxy(query, {
    get(target, prop) {
      if (prop === "then") {
        return (onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) =>
          race(target, ms, "query").then(onFulfilled, onRejected);
      }
      if (prop === "values" || prop === "raw") {
        return (...args: unknown[]) => pendingWithDeadline((target[prop] as (...a: unknown[]) => PendingQuery)(...args), ms);
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

type TransactionFn = (sql: Sql) => unknown;

/**
 * `begin`/`savepoint` under a deadline that runs while waiting for a connection and while
 * committing, not while the caller's function runs (its own queries carry deadlines). A
 * transaction that only gets its connection after the caller gave up does nothing.
 */
function transactionWithDeadline(run: (...args: unknown[]) => Promise<unknown>, ms: number) {
  return (...args: unknown[]) => {
    const fn = args[args.length - 1] as TransactionFn;
    let abandoned = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let fail: (error: Error) => void = () => {};
    const deadline = new Promise<never>((_, reject) => (fail = reject));
    const arm = (what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        abandoned = true;
        fail(new QueryDeadlineError(ms, what));
      }, ms);
    };
    arm("waiting for a connection");
    const result = run(...args.slice(0, -1), async (sql: Sql) => {
      clearTimeout(timer);
      if (abandoned) throw new QueryDeadlineError(ms, "transaction abandoned");
      try {
        return await fn(withQueryDeadline(sql, ms));
      } finally {
        if (!abandoned) arm("commit");
      }
    });
    return Promise.race([result, deadline]).finally(() => clearTimeout(timer));
  };
}

/** The same postgres.js client, with a deadline on every query, transaction and savepoint. */
export function withQueryDeadline<T extends Sql>(sql: T, ms: number): T {
  if (!ms) return sql;
  return new Proxy(sql, {
    get(target, prop) {
      if (prop === "unsafe") {
        return (...args: Parameters<Sql["unsafe"]>) => pendingWithDeadline(target.unsafe(...args) as unknown as PendingQuery, ms);
      }
      if (prop === "begin" || prop === "savepoint") {
        const original = Reflect.get(target, prop, target) as (...args: unknown[]) => Promise<unknown>;
        return transactionWithDeadline(original.bind(target), ms);
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
