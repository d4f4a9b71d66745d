// SearchRequest -> Plan, pure: every criterion becomes a Condition over the table of its resource type (the values
// read and checked here), plus sort keys, page size and cursor. The storage (server/storage/pg/search-sql.ts) compiles a Plan, explain.ts
// renders it, and the caller's access condition is ANDed into every table
// the storage reads (server/storage/access.ts). The vocabulary lives in server/contracts/. Malformed values throw 400s naming the parameter.
import { errors } from '../../errors.js';
import { clientCompartmentCondition } from './client-compartment.js';
import { textParam } from '../../storage/index-values.js';
import { ofTypeEntry, presenceEntry, tokenCriterion } from '../../contracts/token-entry.js';
import { dateRange } from './extract/date.js';
import { normalizeString } from './extract/string.js';
import type { ParamDefinition, SearchParamType } from './parameters.js';
import {
  and,
  type Condition,
  type NumberClause,
  or,
  PREFIXES,
  type Prefix,
  type RangeClause,
} from '../../contracts/condition.js';
import type { Plan } from '../../contracts/search-plan.js';
import type { Criterion, SearchRequest } from './parse.js';

/** The search table that holds each parameter type's values (the others live in the tokens array). */
const VALUE_TABLES: Partial<Record<SearchParamType, string>> = {
  string: 'search_string',
  date: 'search_date',
  number: 'search_number',
  quantity: 'search_quantity',
  uri: 'search_uri',
};

export interface PlanOptions {
  /** Compartment search: `Patient/<id>/<type>`. */
  compartmentPatientId?: string;
  /** The base URL of this server: absolute references to it are read as relative ones. */
  baseUrl?: string;
  /** For `ap`: the clock, injected. */
  now?: Date;
}

function splitPrefix(value: string): [Prefix, string] {
  const prefix = PREFIXES.find((p) => value.startsWith(p) && value.length > 2 && !/^[a-z]/.test(value.slice(2)));
  return prefix ? [prefix, value.slice(2)] : ['eq', value];
}

function dateClause(name: string, raw: string): RangeClause<string> {
  const [prefix, text] = splitPrefix(raw);
  const range = dateRange(text);
  if (!range) {
    throw errors.badSearchValue(
      name,
      `"${raw}" is not a FHIR date, dateTime or instant with an optional prefix (e.g. ge2026-01-01)`,
    );
  }
  return { prefix, low: range.low, high: range.high };
}

const NUMBER = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** The decimal text of `units * 10^-scale`, exactly. */
function decimalText(units: bigint, scale: number): string {
  if (scale <= 0) {
    return (units * 10n ** BigInt(-scale)).toString();
  }
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  return negative ? `-${text}` : text;
}

/**
 * A decimal search value as the range its written precision implies, in exact decimal arithmetic (a double would
 * lose the half-unit of a value written with 15 digits): 100 -> [99.5, 100.5), 1e2 -> [50, 150), 5.4 -> [5.35, 5.45).
 */
function numberClause(name: string, raw: string): NumberClause {
  const [prefix, text] = splitPrefix(raw);
  const m = NUMBER.exec(text);
  const exponent = Number(m?.[4] ?? 0);
  if (!m || Math.abs(exponent) > 300 || m[2].length + (m[3]?.length ?? 0) > 100) {
    throw errors.badSearchValue(name, `"${raw}" is not a number with an optional prefix (e.g. gt5.4)`);
  }
  const fraction = m[3] ?? '';
  // value = units * 10^-scale; the half-unit of the last written digit is 5 at one scale further.
  const units = BigInt(`${m[1]}${m[2]}${fraction}`) * 10n;
  const scale = fraction.length - exponent + 1;
  return {
    prefix,
    value: decimalText(units, scale),
    low: decimalText(units - 5n, scale),
    high: decimalText(units + 5n, scale),
  };
}

/** Splits `a|b|c` at unescaped bars. */
function splitBars(value: string): string[] {
  return value.split(/(?<!\\)\|/).map((part) => part.replace(/\\\|/g, '|'));
}

function tokenCondition(param: ParamDefinition, modifier: string | undefined, values: string[]): Condition {
  const code = param.stored;
  switch (modifier) {
    case undefined:
      return { kind: 'tokens', entries: values.map((value) => tokenCriterion(code, value)) };
    case 'not':
      return {
        kind: 'not',
        condition: { kind: 'tokens', entries: values.map((value) => tokenCriterion(code, value)) },
      };
    case 'text':
      return or(
        values.map((value) => ({
          kind: 'string',
          param: textParam(code),
          match: 'prefix',
          value: normalizeString(value),
        })),
      );
    case 'of-type':
      return {
        kind: 'tokens',
        entries: values.map((value) => {
          const parts = splitBars(value);
          if (parts.length !== 3 || !parts[1] || !parts[2]) {
            throw errors.badSearchValue(
              `${code}:of-type`,
              `"${value}" is not of the form <type system>|<type code>|<value>`,
            );
          }
          return ofTypeEntry(code, parts[0] || undefined, parts[1], parts[2]);
        }),
      };
    default:
      throw errors.unsupportedSearchParameter(
        `${code}:${modifier}`,
        'token parameters (supported modifiers: :missing, :not, :text, :of-type)',
      );
  }
}

function compositeCondition(param: ParamDefinition, values: string[]): Condition {
  return {
    kind: 'tokens',
    entries: values.map((value) => {
      const parts = value.split(/(?<!\\)\$/);
      if (parts.length !== 2) {
        throw errors.badSearchValue(param.code, `"${value}" is not a composite value of the form <token>$<token>`);
      }
      const key = (part: string) => {
        const bar = part.indexOf('|');
        return bar < 0 ? `#${part}` : `|${part}`;
      };
      return `${param.stored}${key(parts[0])}$${key(parts[1])}`;
    }),
  };
}

const ABSOLUTE_REFERENCE = /^(.*)\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;
const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

function referenceCondition(
  param: ParamDefinition,
  modifier: string | undefined,
  value: string,
  options: PlanOptions,
): Condition {
  const code = param.stored;
  if (modifier === 'identifier') {
    return { kind: 'tokens', entries: [tokenCriterion(`${code}:identifier`, value)] };
  }
  if (modifier !== undefined && !/^[A-Z][A-Za-z]+$/.test(modifier)) {
    throw errors.unsupportedSearchParameter(
      `${code}:${modifier}`,
      'reference parameters (supported modifiers: :missing, :identifier, :<type>)',
    );
  }
  if (modifier && param.targets.length && !param.targets.includes(modifier)) {
    throw errors.badSearchValue(`${code}:${modifier}`, `${code} cannot reference a ${modifier}`);
  }
  const relative = RELATIVE_REFERENCE.exec(value);
  if (relative) {
    if (modifier && modifier !== relative[1]) {
      return { kind: 'false' };
    }
    return { kind: 'reference', param: code, targetType: relative[1], targetId: relative[2] };
  }
  const absolute = ABSOLUTE_REFERENCE.exec(value);
  if (absolute && options.baseUrl && absolute[1] === options.baseUrl) {
    return { kind: 'reference', param: code, targetType: absolute[2], targetId: absolute[3] };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    // An absolute URL elsewhere, a urn, or a canonical with an optional |version.
    const bar = value.indexOf('|');
    return bar < 0
      ? { kind: 'reference', param: code, url: value }
      : { kind: 'reference', param: code, url: value.slice(0, bar), version: value.slice(bar + 1) };
  }
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(value)) {
    throw errors.badSearchValue(code, `"${value}" is not a reference (Type/id, an id, or an absolute URL)`);
  }
  // A bare id: of the :type given, or of a parameter with a single target type, else of any type.
  const targetType = modifier ?? (param.targets.length === 1 ? param.targets[0] : undefined);
  return { kind: 'reference', param: code, targetType, targetId: value };
}

function quantityCondition(param: ParamDefinition, raw: string): Condition {
  const parts = splitBars(raw);
  if (parts.length !== 1 && parts.length !== 3) {
    throw errors.badSearchValue(
      param.code,
      `"${raw}" is not a quantity of the form [prefix]<number>[|<system>|<code>]`,
    );
  }
  const clause = numberClause(param.code, parts[0]);
  return { kind: 'quantity', param: param.stored, clause, system: parts[1] || undefined, code: parts[2] || undefined };
}

function valueCondition(criterion: Extract<Criterion, { kind: 'value' }>, options: PlanOptions): Condition {
  const { param, modifier, values } = criterion;
  const name = modifier ? `${param.code}:${modifier}` : param.code;
  if (modifier === 'missing') {
    if (values.length !== 1 || (values[0] !== 'true' && values[0] !== 'false')) {
      throw errors.badSearchValue(name, 'the value of :missing is true or false');
    }
    if (param.code === '_id' || param.code === '_lastUpdated') {
      return values[0] === 'true' ? { kind: 'false' } : { kind: 'true' };
    }
    // Token, reference and composite parameters mark presence in the tokens array; the others have their rows.
    const table = VALUE_TABLES[param.type];
    const present: Condition = table
      ? { kind: 'present', table, param: param.stored }
      : { kind: 'tokens', entries: [presenceEntry(param.stored)] };
    return values[0] === 'true' ? { kind: 'not', condition: present } : present;
  }
  const modifierFree = () => {
    if (modifier !== undefined) {
      throw errors.unsupportedSearchParameter(name, `${param.type} parameters (supported modifier: :missing)`);
    }
  };
  if (param.code === '_id') {
    if (modifier === 'not') {
      return { kind: 'not', condition: { kind: 'id', ids: values } };
    }
    modifierFree();
    return { kind: 'id', ids: values };
  }
  if (param.code === '_lastUpdated') {
    modifierFree();
    return or(values.map((value) => ({ kind: 'last-updated', clause: dateClause(name, value) })));
  }
  switch (param.type) {
    case 'token':
      return tokenCondition(param, modifier, values);
    case 'composite':
      modifierFree();
      return compositeCondition(param, values);
    case 'string': {
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') {
        throw errors.unsupportedSearchParameter(
          name,
          'string parameters (supported modifiers: :missing, :exact, :contains)',
        );
      }
      const match = modifier ?? 'prefix';
      return or(
        values.map((value) => ({
          kind: 'string',
          param: param.stored,
          match,
          value: match === 'exact' ? value : normalizeString(value),
        })),
      );
    }
    case 'date':
      modifierFree();
      return or(
        values.map((value) => ({
          kind: 'date',
          param: param.stored,
          clauses: [dateClause(name, value)],
          ...(param.pointInTime ? { pointInTime: true } : {}),
        })),
      );
    case 'number':
      modifierFree();
      return or(values.map((value) => ({ kind: 'number', param: param.stored, clause: numberClause(name, value) })));
    case 'quantity':
      modifierFree();
      return or(values.map((value) => quantityCondition(param, value)));
    case 'reference':
      return or(values.map((value) => referenceCondition(param, modifier, value, options)));
    case 'uri': {
      if (modifier !== undefined && modifier !== 'above' && modifier !== 'below') {
        throw errors.unsupportedSearchParameter(name, 'uri parameters (supported modifiers: :missing, :above, :below)');
      }
      return or(values.map((value) => ({ kind: 'uri', param: param.stored, match: modifier ?? 'eq', value })));
    }
    default:
      throw errors.unsupportedSearchParameter(name, criterion.resourceType);
  }
}

function criterionCondition(criterion: Criterion, options: PlanOptions): Condition {
  switch (criterion.kind) {
    case 'value':
      return valueCondition(criterion, options);
    case 'chain':
      return or(
        criterion.next.map(({ targetType, criterion: next }) => ({
          kind: 'chain',
          param: criterion.param.stored,
          targetType,
          condition: criterionCondition(next, options),
        })),
      );
    case 'has':
      return {
        kind: 'has',
        sourceType: criterion.sourceType,
        param: criterion.param.stored,
        condition: criterionCondition(criterion.next, options),
      };
  }
}

/**
 * The conditions of a type's criteria. `date=ge2026-01-01&date=lt2026-02-01` on a parameter with at most one value
 * per resource becomes one condition with two clauses on the same stored value, which one index range answers;
 * on a parameter with several values the clauses stay apart, as FHIR lets different values meet each.
 */
function mergeSingleValuedDates(criteria: Criterion[], options: PlanOptions): Condition[] {
  const conditions: Condition[] = [];
  const merged = new Map<string, Extract<Condition, { kind: 'date' }>>();
  for (const criterion of criteria) {
    const condition = criterionCondition(criterion, options);
    if (criterion.kind === 'value' && criterion.param.singleValued && condition.kind === 'date') {
      const existing = merged.get(condition.param);
      if (existing) {
        existing.clauses.push(...condition.clauses);
        continue;
      }
      merged.set(condition.param, condition);
    }
    conditions.push(condition);
  }
  return conditions;
}

export function planSearch(request: SearchRequest, options: PlanOptions = {}): Plan {
  const types = request.resourceTypes.map((resourceType) => {
    const conditions = mergeSingleValuedDates(
      request.criteria.filter((c) => c.resourceType === resourceType),
      options,
    );
    if (options.compartmentPatientId) {
      conditions.unshift(clientCompartmentCondition(resourceType, options.compartmentPatientId));
    }
    return { resourceType, where: and(conditions) };
  });
  return {
    types,
    sort: request.sort.map((rule) => ({
      param: rule.param.stored,
      type: rule.param.type,
      descending: rule.descending,
    })),
    count: request.count,
    total: request.total,
    cursor: request.cursor,
    include: request.include,
    revinclude: request.revinclude,
    summary: request.summary,
    elements: request.elements,
  };
}
