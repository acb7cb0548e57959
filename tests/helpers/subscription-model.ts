/**
 * An independent model of the customer's subscription actions, written from the documented rules (docs/billing.md)
 * (not from lib/billing), and the runs the state-machine test makes through the app.
 */
import { findPlan, type BillingInterval } from "@/lib/billing/plans";

export const ACTIONS = ["up", "down", "interval", "cancel", "resume"] as const;
export type Action = (typeof ACTIONS)[number];
export const STARTS = [
  { plan: "pro", interval: "month" },
  { plan: "pro", interval: "year" },
  { plan: "scale", interval: "month" },
  { plan: "scale", interval: "year" },
] as const;

export interface Terms {
  plan: string;
  interval: BillingInterval;
}
export interface Model extends Terms {
  trialing: boolean;
  canceling: boolean;
  pending: Terms | null;
}

const amount = (t: Terms) => findPlan(t.plan)?.prices?.[t.interval] ?? 0;
const months = (i: BillingInterval) => (i === "year" ? 12 : 1);
const same = (a: Terms | null, b: Terms) => Boolean(a && a.plan === b.plan && a.interval === b.interval);

export function targetOf(model: Model, action: "up" | "down" | "interval"): Terms {
  if (action === "up") return { plan: "scale", interval: model.interval };
  if (action === "down") return { plan: "pro", interval: model.interval };
  return { plan: model.plan, interval: model.interval === "month" ? "year" : "month" };
}

/** The expected HTTP status and the state after the action. */
export function expectAfter(model: Model, action: Action): { status: number; next: Model } {
  if (action === "cancel") return { status: 200, next: { ...model, canceling: true, pending: null } };
  if (action === "resume") return { status: 200, next: { ...model, canceling: false } };
  const target = targetOf(model, action);
  if (same(model, target)) {
    return model.pending ? { status: 200, next: { ...model, pending: null } } : { status: 400, next: model };
  }
  const waits = amount(target) < amount(model) || months(target.interval) < months(model.interval);
  if (waits) return { status: 200, next: { ...model, canceling: false, pending: target } };
  // Applies now: a running trial ends, a pending change and a pending cancellation are dropped.
  return { status: 200, next: { ...target, trialing: false, canceling: false, pending: null } };
}

export const startModel = (start: Terms): Model => ({ ...start, trialing: start.plan === "pro", canceling: false, pending: null });

/**
 * Runs that together take every transition (state, action) of every state reachable in at most two
 * actions from a start, so every pair and every triple of actions from every start only ever makes
 * moves that some run made from the same state. Each run is the shortest path to a state, one
 * untaken action from it, then untaken actions from where that leads, up to three actions.
 */
export function enumerateRuns(): Array<{ start: Terms; actions: Action[] }> {
  const key = (m: Model) => JSON.stringify(m);
  const paths = new Map<string, { start: Terms; actions: Action[] }>();
  let frontier = STARTS.map((start) => ({ start, actions: [] as Action[], model: startModel(start) }));
  for (const node of frontier) paths.set(key(node.model), node);
  for (let depth = 0; depth < 2; depth += 1) {
    const next: typeof frontier = [];
    for (const node of frontier) {
      for (const action of ACTIONS) {
        const child = { start: node.start, actions: [...node.actions, action], model: expectAfter(node.model, action).next };
        if (paths.has(key(child.model))) continue;
        paths.set(key(child.model), child);
        next.push(child);
      }
    }
    frontier = next;
  }
  const untaken = new Set([...paths.keys()].flatMap((k) => ACTIONS.map((a) => `${k}|${a}`)));
  const runs: Array<{ start: Terms; actions: Action[] }> = [];
  for (const [state, path] of paths) {
    for (const first of ACTIONS) {
      if (!untaken.has(`${state}|${first}`)) continue;
      let model = startModel(path.start);
      const actions: Action[] = [];
      const take = (action: Action) => {
        untaken.delete(`${key(model)}|${action}`);
        actions.push(action);
        model = expectAfter(model, action).next;
      };
      for (const action of [...path.actions, first]) take(action);
      while (actions.length < 3) take(ACTIONS.find((a) => untaken.has(`${key(model)}|${a}`)) ?? ACTIONS[actions.length]);
      runs.push({ start: path.start, actions });
    }
  }
  return runs;
}
