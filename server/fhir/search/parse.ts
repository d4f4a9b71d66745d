// Query string -> SearchRequest: which parameters, modifiers, chains and _has clauses a search names, and the
// result parameters (_sort, _count, _include, ...). Structure only; values are read by plan.ts. Unknown parameters
// are collected in `ignored` (the caller warns, or refuses under Prefer: handling=strict); malformed ones throw.
import { errors } from '../../errors.js';
import { searchParameter, type ParamDefinition } from './parameters.js';

export type Criterion =
  | { kind: 'value'; resourceType: string; param: ParamDefinition; modifier?: string; values: string[] }
  /** `subject:Patient.name=x`: resources whose `param` references a `targetType` matching `next`, per target type. */
  | {
      kind: 'chain';
      resourceType: string;
      param: ParamDefinition;
      next: { targetType: string; criterion: Criterion }[];
    }
  /** `_has:Observation:patient:code=x`: resources that a `sourceType` references through `param` and matches `next`. */
  | { kind: 'has'; resourceType: string; sourceType: string; param: ParamDefinition; next: Criterion };

interface SortRule {
  param: ParamDefinition;
  descending: boolean;
}

export interface IncludeRule {
  sourceType: string;
  /** The reference parameter, or undefined for `*`. */
  param?: ParamDefinition;
  targetType?: string;
  iterate: boolean;
}

export type TotalMode = 'none' | 'estimate' | 'accurate';
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

export interface SearchRequest {
  /** The types searched: one for type and compartment search, the `_type` list (or all) for system search. */
  resourceTypes: string[];
  criteria: Criterion[];
  sort: SortRule[];
  count: number;
  total: TotalMode;
  summary?: SummaryMode;
  elements?: string[];
  include: IncludeRule[];
  revinclude: IncludeRule[];
  cursor?: string;
  /** Parameters the search did not apply, with the reason; reported in the Bundle, or 400 under handling=strict. */
  ignored: { name: string; reason: string }[];
}

export const DEFAULT_COUNT = 20;
const MAX_COUNT = 1000;
/** Most resources one search page includes (_include, _revinclude); beyond it the Bundle says so. */
export const MAX_INCLUDED = 1000;
const MAX_CHAIN_DEPTH = 4;

/** Parameters about the response format, handled before search sees the query. */
/** `_explain` (and its old name `__explain`): the plan and the caller's access condition (interactions/search.ts). */
const FORMAT_PARAMETERS = new Set(['_format', '_pretty', '_explain', '__explain']);
const UNSUPPORTED_RESULT_PARAMETERS: Record<string, string> = {
  _contained: '_contained is not supported: contained resources are returned inside their container',
  _containedType: '_containedType is not supported',
  _text: 'full-text search (_text) is not supported',
  _content: 'full-text search (_content) is not supported',
  _query: 'named queries (_query) are not supported',
  _filter: '_filter is not supported',
  _list: '_list is not supported',
  _score: '_score is not supported',
};

/** Splits a parameter value at commas that are not escaped (`\,`), and unescapes them. */
function splitValues(raw: string): string[] {
  return raw.split(/(?<!\\),/).map((value) => value.replace(/\\,/g, ','));
}

interface ParseContext {
  storedTypes: ReadonlySet<string>;
  ignored: SearchRequest['ignored'];
}

/** `name[:modifier]` of one chain link. */
function splitModifier(segment: string): [string, string | undefined] {
  const colon = segment.indexOf(':');
  return colon < 0 ? [segment, undefined] : [segment.slice(0, colon), segment.slice(colon + 1)];
}

function parseCriterion(
  resourceType: string,
  key: string,
  values: string[],
  ctx: ParseContext,
  depth: number,
): Criterion | undefined {
  if (depth > MAX_CHAIN_DEPTH) {
    throw errors.badSearchValue(key, `chains and _has may nest at most ${MAX_CHAIN_DEPTH} levels`);
  }
  if (key.startsWith('_has:')) {
    const [, sourceType, paramCode, ...rest] = key.split(':');
    if (!sourceType || !paramCode || rest.length === 0) {
      throw errors.badSearchValue(key, '_has needs the form _has:<type>:<reference parameter>:<parameter>=<value>');
    }
    if (!ctx.storedTypes.has(sourceType)) {
      throw errors.badSearchValue(key, `"${sourceType}" is not a resource type`);
    }
    const param = searchParameter(sourceType, paramCode);
    if (param?.type !== 'reference') {
      throw errors.badSearchValue(key, `"${paramCode}" is not a reference parameter of ${sourceType}`);
    }
    if (param.targets.length && !param.targets.includes(resourceType)) {
      throw errors.badSearchValue(key, `${sourceType}.${paramCode} cannot reference a ${resourceType}`);
    }
    const next = parseCriterion(sourceType, rest.join(':'), values, ctx, depth + 1);
    return next && { kind: 'has', resourceType, sourceType, param, next };
  }
  const dot = key.indexOf('.');
  const [code, modifier] = splitModifier(dot < 0 ? key : key.slice(0, dot));
  const param = searchParameter(resourceType, code);
  if (!param) {
    ctx.ignored.push({ name: key, reason: `${resourceType} has no search parameter "${code}"` });
    return undefined;
  }
  if (param.unsupported) {
    ctx.ignored.push({ name: key, reason: `${resourceType}.${code} cannot be searched: ${param.unsupported}` });
    return undefined;
  }
  if (dot < 0) {
    return { kind: 'value', resourceType, param, modifier, values };
  }
  if (param.type !== 'reference') {
    throw errors.badSearchValue(
      key,
      `only reference parameters can be chained; ${resourceType}.${code} is a ${param.type}`,
    );
  }
  const rest = key.slice(dot + 1);
  const targets = modifier ? [modifier] : param.targets.length ? param.targets : [...ctx.storedTypes];
  if (modifier && !ctx.storedTypes.has(modifier)) {
    throw errors.badSearchValue(key, `"${modifier}" is not a resource type`);
  }
  const [nextCode] = splitModifier(rest.split('.')[0]);
  // Only target types that have the chained parameter take part (`subject.name`: Patient, Group..., not Device).
  const next: { targetType: string; criterion: Criterion }[] = [];
  for (const targetType of targets) {
    if (nextCode.startsWith('_has') || searchParameter(targetType, nextCode)) {
      const innerIgnored: SearchRequest['ignored'] = [];
      const criterion = parseCriterion(targetType, rest, values, { ...ctx, ignored: innerIgnored }, depth + 1);
      if (criterion) {
        next.push({ targetType, criterion });
      }
    }
  }
  if (next.length === 0) {
    ctx.ignored.push({
      name: key,
      reason: `no target type of ${resourceType}.${code} has a search parameter "${nextCode}"`,
    });
    return undefined;
  }
  return { kind: 'chain', resourceType, param, next };
}

function parseCount(raw: string): number {
  if (!/^\d+$/.test(raw)) {
    throw errors.badParameter(`_count "${raw}" is not a non-negative whole number`);
  }
  return Math.min(Number(raw), MAX_COUNT);
}

function parseSort(resourceTypes: string[], raw: string, ctx: ParseContext): SortRule[] {
  const rules: SortRule[] = [];
  for (const item of raw.split(',')) {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    const param = searchParameter(resourceTypes[0], code);
    if (!param || param.unsupported || param.type === 'composite' || param.type === 'special') {
      ctx.ignored.push({ name: `_sort=${item}`, reason: `cannot sort ${resourceTypes[0]} by "${code}"` });
      continue;
    }
    // A system search sorts on one key for every type: it must mean the same there.
    if (resourceTypes.some((type) => searchParameter(type, code)?.type !== param.type)) {
      ctx.ignored.push({ name: `_sort=${item}`, reason: `"${code}" is not a parameter of every type searched` });
      continue;
    }
    rules.push({ param, descending });
  }
  return rules;
}

function parseInclude(
  name: '_include' | '_revinclude',
  modifier: string | undefined,
  raw: string,
  ctx: ParseContext,
): IncludeRule | undefined {
  const iterate = modifier === 'iterate' || modifier === 'recurse';
  if (modifier !== undefined && !iterate) {
    throw errors.badSearchValue(`${name}:${modifier}`, 'the only modifier of _include and _revinclude is :iterate');
  }
  const [sourceType, code, targetType, extra] = raw.split(':');
  if (!sourceType || extra !== undefined || (!code && raw !== '*')) {
    throw errors.badSearchValue(name, `"${raw}" is not of the form <type>:<parameter>[:<target type>]`);
  }
  if (raw === '*' || code === '*') {
    if (name === '_revinclude' || raw === '*') {
      throw errors.badSearchValue(name, `"${raw}": the wildcard is supported as <type>:* in _include only`);
    }
  }
  if (!ctx.storedTypes.has(sourceType)) {
    throw errors.badSearchValue(name, `"${sourceType}" is not a resource type`);
  }
  if (targetType && !ctx.storedTypes.has(targetType)) {
    throw errors.badSearchValue(name, `"${targetType}" is not a resource type`);
  }
  if (code === '*') {
    return { sourceType, iterate, targetType };
  }
  const param = searchParameter(sourceType, code);
  if (param?.type !== 'reference') {
    ctx.ignored.push({ name: `${name}=${raw}`, reason: `${sourceType} has no reference parameter "${code}"` });
    return undefined;
  }
  return { sourceType, param, targetType, iterate };
}

const TOTALS = new Set(['none', 'estimate', 'accurate']);
const SUMMARIES = new Set(['true', 'text', 'data', 'count', 'false']);

export function parseSearch(
  resourceTypes: string[],
  query: URLSearchParams,
  storedTypes: ReadonlySet<string>,
): SearchRequest {
  const ctx: ParseContext = { storedTypes, ignored: [] };
  const request: SearchRequest = {
    resourceTypes,
    criteria: [],
    sort: [],
    count: DEFAULT_COUNT,
    total: 'none',
    include: [],
    revinclude: [],
    ignored: ctx.ignored,
  };
  for (const [key, raw] of query) {
    const [name, modifier] = splitModifier(key);
    if (FORMAT_PARAMETERS.has(name) || name === '_type') {
      continue;
    }
    switch (name) {
      case '_count':
        request.count = parseCount(raw);
        continue;
      case '_sort':
        request.sort.push(...parseSort(resourceTypes, raw, ctx));
        continue;
      case '_total':
        if (!TOTALS.has(raw)) {
          throw errors.badParameter(`_total "${raw}" is not one of none, estimate, accurate`);
        }
        request.total = raw as TotalMode;
        continue;
      case '_summary':
        if (!SUMMARIES.has(raw)) {
          throw errors.badParameter(`_summary "${raw}" is not one of true, text, data, count, false`);
        }
        request.summary = raw as SummaryMode;
        continue;
      case '_elements':
        request.elements = raw
          .split(',')
          .map((element) => element.trim())
          .filter(Boolean);
        continue;
      case '_cursor':
        request.cursor = raw;
        continue;
      case '_include':
      case '_revinclude': {
        const rule = parseInclude(name, modifier, raw, ctx);
        if (rule) {
          (name === '_include' ? request.include : request.revinclude).push(rule);
        }
        continue;
      }
    }
    if (UNSUPPORTED_RESULT_PARAMETERS[name]) {
      ctx.ignored.push({ name: key, reason: UNSUPPORTED_RESULT_PARAMETERS[name] });
      continue;
    }
    if (raw === '' && modifier !== 'missing') {
      ctx.ignored.push({ name: key, reason: 'an empty value matches nothing and is ignored' });
      continue;
    }
    const values = splitValues(raw);
    if (resourceTypes.length === 1) {
      const criterion = parseCriterion(resourceTypes[0], key, values, ctx, 0);
      if (criterion) {
        request.criteria.push(criterion);
      }
      continue;
    }
    // System search: a parameter must exist on every type searched (the common ones: _id, _lastUpdated, _tag...).
    const perType = resourceTypes.map((type) => searchParameter(type, name));
    if (perType.some((param) => !param)) {
      ctx.ignored.push({
        name: key,
        reason: `"${name}" is not a search parameter of every type searched (${resourceTypes.length} types)`,
      });
      continue;
    }
    for (const type of resourceTypes) {
      const criterion = parseCriterion(type, key, values, ctx, 0);
      if (criterion) {
        request.criteria.push(criterion);
      }
    }
  }
  return request;
}
