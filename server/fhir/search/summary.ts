// _summary and _elements: the subset of each resource a search returns (http://hl7.org/fhir/R4/search.html#summary).
// A subsetted resource is marked with the SUBSETTED tag, so nobody takes it for the whole resource. Summary
// elements come from the StructureDefinitions (isSummary), read once per type.
import { tryGetDataType } from '@medplum/core';
import type { SummaryMode } from './parse.js';

const SUBSETTED = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
};
const ALWAYS = ['resourceType', 'id', 'meta'];

const summaryCache = new Map<string, Set<string>>();
const mandatoryCache = new Map<string, Set<string>>();

function elementNames(
  resourceType: string,
  pick: (name: string, min: number) => boolean,
  cache: Map<string, Set<string>>,
): Set<string> {
  let names = cache.get(resourceType);
  if (!names) {
    const schema = tryGetDataType(resourceType);
    names = new Set(ALWAYS);
    for (const [path, element] of Object.entries(schema?.elements ?? {})) {
      const name = path.replace('[x]', '');
      if (!name.includes('.') && pick(path, element.min)) names.add(name);
    }
    cache.set(resourceType, names);
  }
  return names;
}

function summaryElements(resourceType: string): Set<string> {
  const summary = tryGetDataType(resourceType)?.summaryProperties;
  return elementNames(resourceType, (path) => summary?.has(path) ?? false, summaryCache);
}

function mandatoryElements(resourceType: string): Set<string> {
  return elementNames(resourceType, (_path, min) => min > 0, mandatoryCache);
}

/** Whether an element name (`valueQuantity`) is one of `names` (`value`). */
function kept(key: string, names: Set<string>): boolean {
  if (names.has(key)) return true;
  const choice = /^([a-z][A-Za-z]*?)[A-Z]/.exec(key);
  return choice !== null && names.has(choice[1]) && key !== choice[1];
}

function subset(resource: Record<string, unknown>, names: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    if (kept(key, names)) out[key] = value;
  }
  const meta = (out.meta ?? {}) as { tag?: unknown[] };
  out.meta = { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] };
  return out;
}

/** The JSON to return for a stored resource text, or the text itself when nothing is left out. */
export function shapeResource(json: string, summary: SummaryMode | undefined, elements: string[] | undefined): string {
  if ((!summary || summary === 'false') && !elements) {
    return json;
  }
  const resource = JSON.parse(json) as Record<string, unknown>;
  const type = resource.resourceType as string;
  let names: Set<string>;
  if (summary === 'true') {
    names = summaryElements(type);
  } else if (summary === 'text') {
    names = new Set([...mandatoryElements(type), 'text']);
  } else if (summary === 'data') {
    names = new Set(Object.keys(resource).filter((key) => key !== 'text'));
  } else {
    names = new Set([...ALWAYS, ...mandatoryElements(type), ...(elements ?? [])]);
  }
  return JSON.stringify(subset(resource, names));
}
