import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import type { ResponseField } from "../schema/types";
import type { FormRecord } from "../http/form";
import { clone } from "../json";
import { VERSION_TABLE, type Json, type RemovedEndpoint, type RenderContext, type VersionChange } from "./table";
import { before, compareVersions, type ApiVersion } from "./versions";

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The changes a client on `version` predates, newest first (the order to step a current object back in time). */
function changesAfter(version: ApiVersion): VersionChange[] {
  return VERSION_TABLE.filter((c) => before(version, c.version)).sort((a, b) => compareVersions(b.version, a.version));
}

/** Top-down: an object is rewritten before its children, so a change can read children still in the current shape. */
function walk(value: unknown, changes: VersionChange[], ctx: RenderContext): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, changes, ctx);
    return;
  }
  if (!isRecord(value)) return;
  // A deleted object (`{ id, object, deleted: true }`) has the same shape in every version.
  const type = typeof value.object === "string" && value.deleted !== true ? value.object : null;
  if (type) {
    for (const change of changes) if (change.downgrade && change.objects?.includes(type)) change.downgrade(value, ctx);
    if (type === "event") renderEventEnvelope(value, changes, ctx);
  }
  for (const child of Object.values(value)) walk(child, changes, ctx);
}

function renderEventEnvelope(event: Json, changes: VersionChange[], ctx: RenderContext): void {
  event.api_version = ctx.version;
  const data = isRecord(event.data) ? event.data : null;
  const object = data && isRecord(data.object) ? data.object : null;
  const previous = data && isRecord(data.previous_attributes) ? data.previous_attributes : null;
  if (!object || !previous || typeof object.object !== "string") return;
  for (const change of changes) {
    if (change.downgradePrevious && change.objects?.includes(object.object)) change.downgradePrevious(previous, object);
  }
}

/**
 * A response body (already expanded) in the shape of `version`: a copy, with every table change made after that
 * version undone, newest first. The pinned version gets the body unchanged.
 */
export function renderResponse(emu: Emulator, body: unknown, version: ApiVersion): unknown {
  const changes = changesAfter(version);
  if (changes.length === 0) return body;
  const copy = clone(body);
  walk(copy, changes, { emu, version });
  return copy;
}

/** An event as an endpoint or client on `version` receives it (`api_version` says which). */
export function renderEvent(emu: Emulator, event: Stripe.Event, version: ApiVersion): Stripe.Event {
  const copy = clone(event);
  walk(copy, changesAfter(version), { emu, version });
  copy.api_version = version;
  return copy;
}

/**
 * A request from a client on `version` as the current version's parameters: oldest change first, each one renames
 * what it renamed, refuses what the version did not have yet, or accepts what it had and was later removed. The
 * pinned version's parameters come back unchanged.
 */
export function upgradeRequest(version: ApiVersion, endpoint: string, raw: FormRecord): FormRecord {
  const changes = VERSION_TABLE.filter((c) => c.upgradeRequest && c.endpoints?.includes(endpoint) && before(version, c.version));
  if (changes.length === 0) return raw;
  // A plain JSON copy: form values are strings (clone() would turn `*_decimal` ones into Decimal objects).
  const copy = JSON.parse(JSON.stringify(raw)) as FormRecord;
  changes.sort((a, b) => compareVersions(a.version, b.version));
  for (const change of changes) change.upgradeRequest?.(copy, endpoint);
  return copy;
}

/** Whether the endpoint existed in `version` (some were added later). */
export function endpointExists(version: ApiVersion, endpoint: string): boolean {
  return !VERSION_TABLE.some((c) => c.addedEndpoints?.includes(endpoint) && before(version, c.version));
}

/** Whether the event type existed in `version` (webhook endpoints on earlier versions do not receive it). */
export function eventTypeExists(version: ApiVersion, type: string): boolean {
  return !VERSION_TABLE.some((c) => c.addedEventTypes?.includes(type) && before(version, c.version));
}

/** An endpoint `version` still had that a later version removed (served by its replacement), if the request is one. */
export function removedEndpoint(version: ApiVersion, method: string, path: string): RemovedEndpoint | null {
  for (const change of VERSION_TABLE) {
    if (!before(version, change.version)) continue;
    const found = change.removedEndpoints?.find((e) => e.method === method && e.path === path);
    if (found) return found;
  }
  return null;
}

/**
 * A field of a response type (as the schema names it, e.g. `Invoice`) as `version` has it, for `expand[]`: the table
 * decides, change closest to `version` first. A field an entry removed is the earlier field it declares (an id it
 * restores is expandable into the resource it names); a field an entry added does not exist yet (`undefined`); any
 * other field is the current schema's (`null`). The pinned version goes through no entry.
 */
export function expandField(version: ApiVersion, type: string, field: string): ResponseField | undefined | null {
  const changes = changesAfter(version).reverse();
  for (const change of changes) {
    if (change.addedFields?.[type]?.includes(field)) return undefined;
    const old = change.removedFields?.[type]?.[field];
    if (old) return old;
  }
  return null;
}
