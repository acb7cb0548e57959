/** A request parameter's type, as the SDK's `*Params` interfaces declare it. */
export type ParamType =
  | "string"
  | "number"
  | "boolean"
  | "decimal"
  | "any"
  | { enum: string[] }
  | { ref: string }
  | { object: Record<string, ParamType>; required?: string[] }
  | { array: ParamType }
  | { map: ParamType }
  | { anyOf: ParamType[] };

/** A response field that `expand[]` can name or walk through. */
export interface ResponseField {
  /** `string | Object`: an id that expands to the object. */
  expandable?: true;
  /** Optional in the response type: only returned when expanded (Stripe's "includable" fields). */
  includable?: true;
  /** The object type found under this field, for deeper paths. */
  type?: string;
}

export interface EndpointSchema {
  /** The SDK method, e.g. `Customer.create`. */
  sdk: string;
  params: ParamType;
  /** Response object type name in `objects`. */
  returns: string | null;
}

export interface SchemaFile {
  generatedFrom: string;
  /** Keyed `METHOD /v1/path/{}`. */
  endpoints: Record<string, EndpointSchema>;
  params: Record<string, ParamType>;
  objects: Record<string, Record<string, ResponseField>>;
}
