// The typed values a resource holds for each of its search parameters, ready to be stored. One shape per FHIR search
// parameter type; the SQL layer maps each to its own column or table. Ranges are half-open: [low, high).

/** A code in a system (Identifier system/value, Coding, ContactPoint, primitives with no system). */
export interface TokenValue {
  system: string | undefined;
  code: string;
  display?: string;
}

/** An Identifier with a type, for the :of-type modifier (`type-system|type-code|value`). */
export interface OfTypeValue {
  typeSystem: string | undefined;
  typeCode: string;
  value: string;
}

/** A string for prefix search (lower case, no accents, single spaces) and the original for :exact. */
export interface StringValue {
  normalized: string;
  exact: string;
}

/**
 * The instants a date covers, as ISO strings (UTC, ms precision): `low` inclusive, `high` exclusive. An open end of a
 * Period is `-infinity` / `infinity` (the PostgreSQL spellings).
 */
export interface DateRange {
  low: string;
  high: string;
}

/** The range a decimal covers given the precision it was written with (100 -> [99.5, 100.5)). */
export interface NumberRange {
  low: number;
  high: number;
}

export interface QuantityValue extends NumberRange {
  value: number;
  system: string | undefined;
  code: string | undefined;
  unit: string | undefined;
}

export interface ReferenceValue {
  /** `Type/id` for a relative or absolute reference to a resource; `#id` for a contained one. */
  reference?: string;
  /** The target type when known (from the reference, Reference.type or the contained resource). */
  type?: string;
  /** The absolute URL as written (absolute references, urn:uuid / urn:oid, and canonicals without |version). */
  url?: string;
  /** The |version of a canonical reference. */
  version?: string;
  /** Reference.identifier, for the :identifier modifier. */
  identifier?: TokenValue;
}

export type ComponentValues =
  | TokenParamValues
  | { type: 'string'; values: StringValue[] }
  | { type: 'date'; values: DateRange[] }
  | { type: 'number'; values: NumberRange[] }
  | { type: 'quantity'; values: QuantityValue[] }
  | { type: 'reference'; values: ReferenceValue[] }
  | { type: 'uri'; values: string[] };

export interface TokenParamValues {
  type: 'token';
  values: TokenValue[];
  /** Texts for :text (CodeableConcept.text, Coding.display, Identifier.type.text). */
  text: string[];
  /** Typed identifiers for :of-type. */
  ofType: OfTypeValue[];
}

/** One tuple per element the composite expression selects: for each component, its values there. */
export interface CompositeValue {
  components: ComponentValues[];
}

export type ParamValues = ComponentValues | { type: 'composite'; values: CompositeValue[] };

/** Search parameter code -> its values. A parameter without any value is absent (that is :missing=true). */
export type SearchValues = Record<string, ParamValues>;
