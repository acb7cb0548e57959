import qs from "qs";
import { invalidRequest, parameterInvalid, parameterInvalidEmpty, parameterMissing } from "./errors";

/** What `qs` yields for a form body: nested records, arrays and strings. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue | undefined };
export type FormRecord = { [key: string]: FormValue | undefined };

export function parseForm(raw: string): FormRecord {
  // Stripe accepts up to hundreds of indexed array entries and deep nesting (subscription_details[items][0][price_data][recurring][interval]).
  const parsed: unknown = qs.parse(raw, { arrayLimit: 1000, depth: 12, parameterLimit: 10000, allowDots: false });
  return toRecord(parsed);
}

function toFormValue(value: unknown): FormValue {
  if (Array.isArray(value)) return value.map(toFormValue);
  if (value !== null && typeof value === "object") return toRecord(value);
  return typeof value === "string" ? value : String(value);
}

function toRecord(value: unknown): FormRecord {
  const out: FormRecord = {};
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value)) out[k] = toFormValue(v);
  return out;
}

/**
 * Typed accessors over form-encoded params. Everything arrives as strings; each getter coerces for its field and
 * raises the same errors Stripe does (`parameter_missing`, `parameter_invalid_integer`, ...). `prefix` keeps
 * nested params' error messages in Stripe's `a[b][c]` form.
 */
export class Params {
  constructor(
    readonly raw: FormRecord,
    private readonly prefix = "",
  ) {}

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  /** Present and set to '' — Stripe's way of unsetting a field. */
  isEmpty(key: string): boolean {
    return this.raw[key] === "";
  }

  str(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw parameterInvalid(this.name(key), `Invalid string: ${JSON.stringify(v)}`);
    return v;
  }

  /** A string that may be unset with '' (returns null). */
  nullableStr(key: string): string | null | undefined {
    const v = this.str(key);
    if (v === "") return null;
    return v;
  }

  requiredStr(key: string): string {
    const v = this.str(key);
    if (v === undefined) throw parameterMissing(this.name(key));
    if (v === "") throw parameterInvalidEmpty(this.name(key));
    return v;
  }

  int(key: string): number | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (v === "") throw parameterInvalidEmpty(this.name(key));
    if (!/^-?\d+$/.test(v)) throw parameterInvalid(this.name(key), `Invalid integer: ${v}`, "parameter_invalid_integer");
    return Number(v);
  }

  requiredInt(key: string): number {
    const v = this.int(key);
    if (v === undefined) throw parameterMissing(this.name(key));
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (v === "true") return true;
    if (v === "false") return false;
    throw parameterInvalid(this.name(key), `Invalid boolean: ${v}`, "parameter_invalid_boolean");
  }

  /** One of the allowed values. */
  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    const found = allowed.find((a) => a === v);
    if (found === undefined) {
      throw parameterInvalid(this.name(key), `Invalid ${this.name(key)}: must be one of ${allowed.join(", ")}`, "parameter_invalid_string");
    }
    return found;
  }

  obj(key: string): Params | undefined {
    const v = this.raw[key];
    if (v === undefined || v === "") return undefined;
    if (typeof v === "string" || Array.isArray(v)) {
      throw invalidRequest(`Invalid object`, this.name(key), "parameter_invalid_object");
    }
    return new Params(v, this.name(key));
  }

  requiredObj(key: string): Params {
    const v = this.obj(key);
    if (!v) throw parameterMissing(this.name(key));
    return v;
  }

  /** Arrays arrive either as `a[0]=..` (qs array) or `a[]=..`; an object keyed by indices is accepted too. */
  private list(key: string): FormValue[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === "") return undefined;
    if (Array.isArray(v)) return v;
    if (typeof v === "string") return [v];
    const keys = Object.keys(v).filter((k) => /^\d+$/.test(k));
    if (keys.length !== Object.keys(v).length) throw invalidRequest("Invalid array", this.name(key), "parameter_invalid_array");
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => v[k] ?? "");
  }

  strArray(key: string): string[] | undefined {
    const list = this.list(key);
    if (!list) return undefined;
    return list.map((v, i) => {
      if (typeof v !== "string") throw parameterInvalid(`${this.name(key)}[${i}]`, "Invalid string");
      return v;
    });
  }

  objArray(key: string): Params[] | undefined {
    const list = this.list(key);
    if (!list) return undefined;
    return list.map((v, i) => {
      if (typeof v === "string" || Array.isArray(v)) {
        throw invalidRequest("Invalid object", `${this.name(key)}[${i}]`, "parameter_invalid_object");
      }
      return new Params(v, `${this.name(key)}[${i}]`);
    });
  }

  /** `expand[]` paths. */
  expand(): string[] {
    return this.strArray("expand") ?? [];
  }

  /** Metadata update: merge keys, '' unsets a key, `metadata=''` clears everything. */
  applyMetadata(current: Record<string, string>): Record<string, string> {
    const v = this.raw.metadata;
    if (v === undefined) return current;
    if (v === "") return {};
    if (typeof v === "string" || Array.isArray(v)) throw invalidRequest("Invalid metadata", "metadata", "parameter_invalid_object");
    const next = { ...current };
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== "string") throw invalidRequest(`Invalid value for metadata[${k}]`, `metadata[${k}]`);
      if (val === "") delete next[k];
      else next[k] = val;
    }
    return next;
  }

  /** A `{ [key]: string }` map such as meter event payloads. */
  stringMap(key: string): Record<string, string> | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v === "string" || Array.isArray(v)) throw invalidRequest("Invalid object", this.name(key), "parameter_invalid_object");
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (typeof val === "string") out[k] = val;
    }
    return out;
  }
}
