import type { FormRecord, FormValue } from "../http/form";
import { invalidRequest, parameterInvalid, parameterInvalidEmpty, parameterMissing, type StripeApiError } from "../http/errors";
import { loadSchema } from "./load";
import { normalizePath } from "./paths";
import { SUPPORTED_PARAMS } from "./supported";
import type { EndpointSchema, ParamType, ResponseField } from "./types";

/** `path` (dotted, arrays transparent) → the values implemented, or null for any value. */
type Support = Map<string, Set<string> | null>;

const supportCache = new Map<string, Support>();

function supportFor(endpoint: string): Support {
  let support = supportCache.get(endpoint);
  if (!support) {
    support = new Map();
    for (const entry of SUPPORTED_PARAMS[endpoint] ?? []) {
      const [path, values] = entry.split("=");
      support.set(path, values === undefined ? null : new Set(values.split("|")));
    }
    supportCache.set(endpoint, support);
  }
  return support;
}

export function unsupportedParameter(param: string): StripeApiError {
  return invalidRequest(
    `${param} is not supported by the emulator: Stripe accepts it, but the emulator does not implement it, so it refuses the request instead of ignoring the parameter (see stripe-emulator/README.md).`,
    param,
    "emulator_unsupported_parameter",
  );
}

function listOf(values: string[]): string {
  return values.length <= 2 ? values.join(" or ") : `${values.slice(0, -1).join(", ")}, or ${values[values.length - 1]}`;
}

function isRecord(value: FormValue | undefined): value is { [key: string]: FormValue | undefined } {
  return value !== undefined && typeof value === "object" && !Array.isArray(value);
}

/** qs yields `a[0]=x` as an array, and `a[5]=x` (sparse) or `a[0][b]` beyond its limits as an index-keyed record. */
function asArray(value: FormValue): FormValue[] | null {
  if (Array.isArray(value)) return value;
  if (isRecord(value) && Object.keys(value).every((k) => /^\d+$/.test(k))) {
    return Object.keys(value)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => value[k] ?? "");
  }
  return null;
}

const NON_NEGATIVE = new Set(["quantity", "trial_period_days", "interval_count", "iterations"]);

/**
 * Checks one request's parameters against what Stripe defines for the endpoint (the generated schema) and what the
 * emulator implements (supported.ts), before the handler runs: unknown parameters, then malformed values, then
 * parameters the emulator does not implement. Nothing has happened yet when it throws.
 */
class RequestValidator {
  readonly unknown: string[] = [];
  readonly invalid: StripeApiError[] = [];
  readonly unsupported: StripeApiError[] = [];
  private readonly defs = loadSchema().params;

  constructor(private readonly support: Support) {}

  private resolve(type: ParamType): ParamType {
    let t = type;
    while (typeof t === "object" && "ref" in t) t = this.defs[t.ref];
    return t;
  }

  private leaf(path: string[], name: string, value: string): void {
    for (let i = path.length; i > 0; i--) {
      const key = path.slice(0, i).join(".");
      if (!this.support.has(key)) continue;
      const values = this.support.get(key);
      if (values && i === path.length && !values.has(value)) {
        this.unsupported.push(
          invalidRequest(
            `${name}=${value} is not supported by the emulator (it implements ${listOf([...values])}); Stripe accepts it, but the emulator refuses the request instead of behaving differently.`,
            name,
            "emulator_unsupported_parameter",
          ),
        );
      }
      return;
    }
    this.unsupported.push(unsupportedParameter(name));
  }

  walk(type: ParamType, value: FormValue, name: string, path: string[]): void {
    const t = this.resolve(type);
    if (t === "any") {
      if (typeof value === "string") this.leaf(path, name, value);
      else this.leaf(path, name, "");
      return;
    }
    if (typeof t === "object" && "anyOf" in t) return this.walkAnyOf(t.anyOf, value, name, path);
    if (typeof t === "object" && "object" in t) return this.walkObject(t, value, name, path);
    if (typeof t === "object" && "array" in t) {
      const items = asArray(value);
      if (items === null) {
        if (value === "") this.invalid.push(parameterInvalidEmpty(name));
        else this.invalid.push(invalidRequest("Invalid array", name, "parameter_invalid_array"));
        return;
      }
      items.forEach((item, i) => this.walk(t.array, item, `${name}[${i}]`, path));
      return;
    }
    if (typeof t === "object" && "map" in t) {
      if (!isRecord(value)) {
        this.invalid.push(value === "" ? parameterInvalidEmpty(name) : invalidRequest("Invalid object", name, "parameter_invalid_object"));
        return;
      }
      for (const [key, inner] of Object.entries(value)) {
        // A map's keys are free (metadata[key], currency_options[eur]): supported.ts names them `*`.
        // An empty value unsets one key of a map (metadata[key]=).
        if (inner === "") this.leaf([...path, "*"], `${name}[${key}]`, inner);
        else if (inner !== undefined) this.walk(t.map, inner, `${name}[${key}]`, [...path, "*"]);
      }
      return;
    }
    if (typeof value !== "string") {
      this.invalid.push(
        parameterInvalid(
          name,
          `Invalid ${typeof t === "string" ? t : "string"}: expected a value, got an object`,
          "parameter_invalid_string",
        ),
      );
      return;
    }
    const error = this.scalarError(t, value, name, path);
    if (error) this.invalid.push(error);
    else this.leaf(path, name, value);
  }

  private scalarError(t: ParamType, value: string, name: string, path: string[]): StripeApiError | null {
    if (value === "") return parameterInvalidEmpty(name);
    if (t === "number") {
      if (!/^-?\d+(\.\d+)?$/.test(value)) return parameterInvalid(name, `Invalid integer: ${value}`, "parameter_invalid_integer");
      if (value.startsWith("-") && NON_NEGATIVE.has(path[path.length - 1])) {
        return parameterInvalid(name, "Invalid non-negative integer", "parameter_invalid_integer");
      }
    }
    if (t === "decimal" && !/^-?\d+(\.\d+)?$/.test(value))
      return parameterInvalid(name, `Invalid decimal: ${value}`, "parameter_invalid_string");
    if (t === "boolean" && value !== "true" && value !== "false")
      return parameterInvalid(name, `Invalid boolean: ${value}`, "parameter_invalid_boolean");
    if (typeof t === "object" && "enum" in t && !t.enum.includes(value)) {
      return parameterInvalid(
        name,
        `Invalid ${name}: must be one of ${listOf(t.enum.filter((v) => v !== ""))}`,
        "parameter_invalid_string",
      );
    }
    if (typeof t === "object" && ("object" in t || "array" in t || "map" in t)) {
      return invalidRequest("Invalid object", name, "parameter_invalid_object");
    }
    return null;
  }

  private walkAnyOf(options: ParamType[], value: FormValue, name: string, path: string[]): void {
    const resolved = options.map((o) => this.resolve(o));
    const structured = (o: ParamType) => typeof o === "object" && ("object" in o || "array" in o || "map" in o);
    if (typeof value === "string") {
      const scalars = resolved.filter((o) => !structured(o));
      if (value === "" && scalars.some((o) => typeof o === "object" && "enum" in o && o.enum.includes(""))) {
        this.leaf(path, name, value);
        return;
      }
      const fits = scalars.find((o) => this.scalarError(o, value, name, path) === null);
      if (fits) return this.walk(fits, value, name, path);
      const scalarNames = scalars.filter((o) => !(typeof o === "object" && "enum" in o && o.enum.length === 1 && o.enum[0] === ""));
      const error = scalarNames.length
        ? this.scalarError(scalarNames[0], value, name, path)
        : invalidRequest("Invalid object", name, "parameter_invalid_object");
      if (error) this.invalid.push(error);
      return;
    }
    const isList = asArray(value) !== null && Object.keys(value).length > 0;
    const fits =
      resolved.find((o) => typeof o === "object" && (isList ? "array" in o : "object" in o || "map" in o)) ?? resolved.find(structured);
    if (fits) this.walk(fits, value, name, path);
    else this.invalid.push(parameterInvalid(name, `Invalid value for ${name}`));
  }

  private walkObject(t: { object: Record<string, ParamType>; required?: string[] }, value: FormValue, name: string, path: string[]): void {
    if (!isRecord(value)) {
      this.invalid.push(value === "" ? parameterInvalidEmpty(name) : invalidRequest("Invalid object", name, "parameter_invalid_object"));
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (inner === undefined) continue;
      const child = name ? `${name}[${key}]` : key;
      const fieldType = t.object[key];
      if (fieldType === undefined) this.unknown.push(child);
      else this.walk(fieldType, inner, child, [...path, key]);
    }
    for (const key of t.required ?? []) {
      if (value[key] === undefined) this.invalid.push(parameterMissing(name ? `${name}[${key}]` : key));
    }
  }
}

export function endpointKey(route: string): string {
  const [method, path] = route.split(" ");
  return `${method} ${normalizePath(path)}`;
}

export function endpointSchema(key: string): EndpointSchema | undefined {
  return loadSchema().endpoints[key];
}

/** Throw Stripe's error for the first problem with a request's parameters (see RequestValidator). */
export function validateParams(key: string, raw: FormRecord): void {
  const schema = endpointSchema(key);
  if (!schema) throw new Error(`No parameter schema for ${key}: run npm run emulator:schema`);
  const validator = new RequestValidator(supportFor(key));
  validator.walk(schema.params, raw, "", []);
  if (validator.unknown.length === 1) {
    throw invalidRequest(`Received unknown parameter: ${validator.unknown[0]}`, validator.unknown[0], "parameter_unknown");
  }
  if (validator.unknown.length > 1) {
    throw invalidRequest(`Received unknown parameters: ${validator.unknown.join(", ")}`, validator.unknown[0], "parameter_unknown");
  }
  const [first] = [...validator.invalid, ...validator.unsupported];
  if (first) throw first;
}

function cannotExpand(path: string): StripeApiError {
  return invalidRequest(`This property cannot be expanded (${path}).`, "expand");
}

/**
 * A field as the request's API version has it, for `expand[]`: the field an earlier version had (restored by the
 * version table), `undefined` for a field that version does not have yet, or `null` to let the current schema decide.
 */
export type VersionedField = (type: string, field: string) => ResponseField | undefined | null;

/**
 * `expand[]` paths against the endpoint's response type: every segment must exist, the last one must be an
 * expandable id or an includable field, and at most 4 levels deep. Checked before the handler runs, so a bad
 * expansion never follows an object's creation. `versioned` answers for the fields the request's version has
 * differently from the current one.
 */
export function validateExpand(key: string, paths: string[], versioned?: VersionedField): void {
  const schema = endpointSchema(key);
  const objects = loadSchema().objects;
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, "expand");
    let type = schema?.returns ?? null;
    segments.forEach((segment, i) => {
      const old = type && versioned ? versioned(type, segment) : null;
      const field = old === null ? (type ? objects[type]?.[segment] : undefined) : old;
      if (!field) throw cannotExpand(path);
      const last = i === segments.length - 1;
      if (last && !field.expandable && !field.includable) throw cannotExpand(path);
      type = field.type ?? null;
    });
  }
}

/** Whether `path` (dotted, as in supported.ts) names a parameter the endpoint defines, and `values` fit its type. */
export function schemaDefines(key: string, path: string, values: string[] = []): boolean {
  const defs = loadSchema().params;
  const resolve = (t: ParamType): ParamType[] => {
    if (typeof t === "object" && "ref" in t) return resolve(defs[t.ref]);
    if (typeof t === "object" && "anyOf" in t) return t.anyOf.flatMap(resolve);
    if (typeof t === "object" && "array" in t) return resolve(t.array);
    return [t];
  };
  let types = resolve(endpointSchema(key)?.params ?? { object: {} });
  for (const segment of path.split(".")) {
    types = types.flatMap((t) => {
      if (typeof t === "object" && "object" in t) return t.object[segment] ? resolve(t.object[segment]) : [];
      if (typeof t === "object" && "map" in t) return resolve(t.map);
      return [];
    });
    if (types.length === 0) return false;
  }
  const fits = (t: ParamType, v: string) =>
    t === "string" || (t === "boolean" && (v === "true" || v === "false")) || (typeof t === "object" && "enum" in t && t.enum.includes(v));
  return values.every((v) => types.some((t) => fits(t, v)));
}
