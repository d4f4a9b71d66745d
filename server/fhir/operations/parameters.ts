// Reads an operation's input as its OperationDefinition declares it, from the query string and from a Parameters
// body (POST), so each operation gets typed values and never parses by hand. A name the definition does not have,
// a value of the wrong type and a repeat beyond `max` are 400s that name the parameter: an operation must not run
// on half-understood input. Query parameters starting with `_` (_format, _pretty) belong to the HTTP layer.
// In a query string a Coding is written `system|code` (as a token); a CodeableConcept needs a Parameters body.
import type {
  CodeableConcept,
  Coding,
  OperationDefinition,
  OperationDefinitionParameter,
  Parameters,
  ParametersParameter,
} from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import type { FhirRequest } from '../request.js';

export type ParameterValue = string | number | boolean | Coding | CodeableConcept;

/** Primitive types whose value is text; a body may send any of them as any other (url as valueUri or valueString). */
const TEXT_TYPES = new Set([
  'string',
  'code',
  'uri',
  'url',
  'canonical',
  'id',
  'dateTime',
  'date',
  'oid',
  'uuid',
  'markdown',
]);
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);
const valueKey = (type: string): string => `value${type[0].toUpperCase()}${type.slice(1)}`;
const TEXT_KEYS = [...TEXT_TYPES].map(valueKey);
const INTEGER_KEYS = [...INTEGER_TYPES].map(valueKey);

export class OperationInput {
  constructor(
    private readonly operation: string,
    private readonly values: ReadonlyMap<string, ParameterValue[]>,
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined {
    return this.values.get(name)?.[0] as string | undefined;
  }

  strings(name: string): string[] {
    return (this.values.get(name) ?? []) as string[];
  }

  integer(name: string): number | undefined {
    return this.values.get(name)?.[0] as number | undefined;
  }

  /** An integer that must not be negative (count, offset). */
  nonNegative(name: string): number | undefined {
    const value = this.integer(name);
    if (value !== undefined && value < 0) {
      throw errors.badParameter(`${this.operation}: ${name} must not be negative (got ${value})`);
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    return this.values.get(name)?.[0] as boolean | undefined;
  }

  coding(name: string): Coding | undefined {
    return this.values.get(name)?.[0] as Coding | undefined;
  }

  codeableConcept(name: string): CodeableConcept | undefined {
    return this.values.get(name)?.[0] as CodeableConcept | undefined;
  }
}

function isCoding(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const coding = value as Record<string, unknown>;
  return ['system', 'version', 'code', 'display'].every(
    (key) => coding[key] === undefined || typeof coding[key] === 'string',
  );
}

function isCodeableConcept(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const concept = value as Record<string, unknown>;
  return (
    (concept.coding === undefined || (Array.isArray(concept.coding) && concept.coding.every(isCoding))) &&
    (concept.text === undefined || typeof concept.text === 'string')
  );
}

function fromQuery(operation: string, definition: OperationDefinitionParameter, text: string): ParameterValue {
  const { name, type } = definition;
  if (TEXT_TYPES.has(type!)) {
    return text;
  }
  if (INTEGER_TYPES.has(type!)) {
    if (!/^-?\d{1,9}$/.test(text)) {
      throw errors.badParameter(`${operation}: ${name} must be an integer, not "${text}"`);
    }
    return Number(text);
  }
  if (type === 'boolean') {
    if (text !== 'true' && text !== 'false') {
      throw errors.badParameter(`${operation}: ${name} must be true or false, not "${text}"`);
    }
    return text === 'true';
  }
  if (type === 'Coding') {
    const bar = text.indexOf('|');
    const coding: Coding =
      bar < 0 ? { code: text } : { system: text.slice(0, bar) || undefined, code: text.slice(bar + 1) || undefined };
    return Object.fromEntries(Object.entries(coding).filter(([, v]) => v !== undefined)) as Coding;
  }
  throw errors.badParameter(
    `${operation}: ${name} (a ${type}) cannot be sent in the query string; POST a Parameters body`,
  );
}

function fromBody(
  operation: string,
  definition: OperationDefinitionParameter,
  given: ParametersParameter,
): ParameterValue {
  const { name, type } = definition;
  const entry = given as unknown as Record<string, unknown>;
  const pick = (keys: string[], check: (v: unknown) => boolean): unknown => {
    const key = keys.find((k) => entry[k] !== undefined);
    return key !== undefined && check(entry[key]) ? entry[key] : undefined;
  };
  let value: unknown;
  if (TEXT_TYPES.has(type!)) {
    value = pick(TEXT_KEYS, (v) => typeof v === 'string');
  } else if (INTEGER_TYPES.has(type!)) {
    value = pick(INTEGER_KEYS, (v) => Number.isInteger(v));
  } else if (type === 'boolean') {
    value = pick(['valueBoolean'], (v) => typeof v === 'boolean');
  } else if (type === 'Coding') {
    value = pick(['valueCoding'], isCoding);
  } else if (type === 'CodeableConcept') {
    value = pick(['valueCodeableConcept'], isCodeableConcept);
  }
  if (value === undefined) {
    throw errors.badParameter(`${operation}: parameter "${name}" needs a ${valueKey(type!)}`);
  }
  return value as ParameterValue;
}

function bodyParameters(operation: string, body: unknown): ParametersParameter[] {
  if (body === undefined || body === null || body === '') {
    return [];
  }
  const resource = body as Parameters;
  if (typeof body !== 'object' || resource.resourceType !== 'Parameters') {
    throw errors.badParameter(`${operation}: a POST body must be a Parameters resource`);
  }
  if (resource.parameter !== undefined && !Array.isArray(resource.parameter)) {
    throw errors.badParameter(`${operation}: Parameters.parameter must be an array`);
  }
  return resource.parameter ?? [];
}

/** The `in` parameters of `definition`, read from `request` (query string, and the body of a POST). */
export function readInput(
  definition: OperationDefinition,
  request: Pick<FhirRequest, 'method' | 'query' | 'body'>,
): OperationInput {
  const operation = `$${definition.code}`;
  const declared = new Map((definition.parameter ?? []).filter((p) => p.use === 'in').map((p) => [p.name!, p]));
  const values = new Map<string, ParameterValue[]>();
  const add = (name: string, read: (p: OperationDefinitionParameter) => ParameterValue): void => {
    const parameter = declared.get(name);
    if (!parameter) {
      throw errors.badParameter(`${operation} has no parameter "${name}"; it takes ${[...declared.keys()].join(', ')}`);
    }
    const list = values.get(name) ?? [];
    list.push(read(parameter));
    if (parameter.max !== '*' && list.length > Number(parameter.max ?? '1')) {
      throw errors.badParameter(`${operation}: ${name} may be given at most ${parameter.max ?? '1'} time(s)`);
    }
    values.set(name, list);
  };
  for (const [name, text] of request.query) {
    if (!name.startsWith('_')) {
      add(name, (p) => fromQuery(operation, p, text));
    }
  }
  if (request.method === 'POST') {
    for (const given of bodyParameters(operation, request.body)) {
      if (typeof given?.name !== 'string') {
        throw errors.badParameter(`${operation}: every Parameters.parameter needs a name`);
      }
      add(given.name, (p) => fromBody(operation, p, given));
    }
  }
  for (const [name, parameter] of declared) {
    if ((parameter.min ?? 0) > 0 && !values.has(name)) {
      throw errors.badParameter(`${operation} needs the parameter ${name}`);
    }
  }
  return new OperationInput(operation, values);
}
