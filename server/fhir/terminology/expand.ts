// Expands ValueSets from the CodeSystems and ValueSets the hub holds (R4 core, the hub's own package, loaded
// packages). There is no terminology server behind this, so an expansion says how much it knows:
// - `contains`: every concept listed explicitly or taken from a CodeSystem whose content is complete;
// - `openSystems`: systems included as a whole (or through a filter) whose codes the hub cannot list, such as
//   SNOMED CT or GS1 GTIN; any code of such a system is taken as a member. A filter is treated the same way: the
//   hub cannot evaluate "is-a 49062001" without SNOMED, and refusing every code would be worse than admitting
//   the system. `complete` is false then, and callers that need the full list (an enum) must not use it.
// An expansion that imports an unknown ValueSet, or excludes by filter, is undefined: the hub does not judge.
import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

export interface TerminologySource {
  valueSet(canonical: string): ValueSet | undefined;
  codeSystem(canonical: string): CodeSystem | undefined;
}

interface ExpansionConcept {
  system: string;
  code: string;
  display?: string;
}

export interface Expansion {
  readonly url: string;
  readonly contains: readonly ExpansionConcept[];
  readonly openSystems: ReadonlySet<string>;
  /** True when every member is in `contains`. */
  readonly complete: boolean;
  /** Every listed code, whatever its system; for `code` elements, which carry no system. */
  readonly codes: ReadonlySet<string>;
  hasCoding(system: string | undefined, code: string | undefined): boolean;
  /** For a bare code (no system): true if listed, undefined if only an open system could hold it. */
  hasCode(code: string): boolean | undefined;
}

type Members = { concepts: Map<string, Map<string, string | undefined>>; open: Set<string> };

export class Expander {
  private readonly cache = new Map<string, Expansion | undefined>();

  constructor(private readonly source: TerminologySource) {}

  expand(canonical: string): Expansion | undefined {
    const url = canonical.split('|')[0];
    if (!this.cache.has(url)) {
      const members = this.members(url, new Set());
      this.cache.set(url, members ? toExpansion(url, members) : undefined);
    }
    return this.cache.get(url);
  }

  private members(url: string, visiting: Set<string>): Members | undefined {
    const vs = this.source.valueSet(url);
    if (!vs || visiting.has(url)) {
      return undefined;
    }
    visiting.add(url);
    try {
      if (!vs.compose?.include) {
        return fromExpansion(vs);
      }
      const result: Members = { concepts: new Map(), open: new Set() };
      for (const include of vs.compose.include) {
        const part = this.include(include, visiting);
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
          result.concepts.get(exclude.system)?.delete(c.code);
        }
      }
      return result;
    } finally {
      visiting.delete(url);
    }
  }

  private include(include: ValueSetComposeInclude, visiting: Set<string>): Members | undefined {
    let imported: Members | undefined;
    for (const ref of include.valueSet ?? []) {
      const part = this.members(ref.split('|')[0], visiting);
      if (!part) {
        return undefined;
      }
      imported = imported ? intersect(imported, part) : part;
    }
    if (!include.system) {
      return imported;
    }
    const own = this.systemMembers(include);
    return imported ? intersect(own, imported) : own;
  }

  private systemMembers(include: ValueSetComposeInclude): Members {
    const system = include.system!;
    const cs = this.source.codeSystem(system);
    if (include.concept?.length) {
      const known = cs ? conceptDisplays(cs) : undefined;
      const codes = new Map(include.concept.map((c) => [c.code, c.display ?? known?.get(c.code)]));
      return { concepts: new Map([[system, codes]]), open: new Set() };
    }
    if (!include.filter?.length && cs?.content === 'complete') {
      return { concepts: new Map([[system, conceptDisplays(cs)]]), open: new Set() };
    }
    return { concepts: new Map(), open: new Set([system]) };
  }
}

function fromExpansion(vs: ValueSet): Members | undefined {
  // A ValueSet shipped only with an expansion (no compose) is taken as it stands.
  if (!vs.expansion?.contains) {
    return undefined;
  }
  const result: Members = { concepts: new Map(), open: new Set() };
  const walk = (items: NonNullable<ValueSet['expansion']>['contains']): void => {
    for (const item of items ?? []) {
      if (item.system && item.code) {
        addConcept(result, item.system, item.code, item.display);
      }
      walk(item.contains);
    }
  };
  walk(vs.expansion.contains);
  return result;
}

function conceptDisplays(cs: CodeSystem): Map<string, string | undefined> {
  const codes = new Map<string, string | undefined>();
  const walk = (concepts: CodeSystemConcept[] | undefined): void => {
    for (const c of concepts ?? []) {
      codes.set(c.code, c.display);
      walk(c.concept);
    }
  };
  walk(cs.concept);
  return codes;
}

function addConcept(into: Members, system: string, code: string, display: string | undefined): void {
  let codes = into.concepts.get(system);
  if (!codes) {
    codes = new Map();
    into.concepts.set(system, codes);
  }
  if (!codes.has(code) || display !== undefined) {
    codes.set(code, display);
  }
}

function merge(into: Members, from: Members): void {
  for (const system of from.open) {
    into.open.add(system);
  }
  for (const [system, codes] of from.concepts) {
    for (const [code, display] of codes) {
      addConcept(into, system, code, display);
    }
  }
}

function contains(members: Members, system: string, code: string): boolean {
  return members.open.has(system) || !!members.concepts.get(system)?.has(code);
}

function intersect(a: Members, b: Members): Members {
  const result: Members = { concepts: new Map(), open: new Set([...a.open].filter((s) => b.open.has(s))) };
  for (const [left, right] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const [system, codes] of left.concepts) {
      for (const [code, display] of codes) {
        if (contains(right, system, code)) {
          addConcept(result, system, code, display);
        }
      }
    }
  }
  return result;
}

function toExpansion(url: string, members: Members): Expansion {
  const list: ExpansionConcept[] = [];
  const codes = new Set<string>();
  for (const [system, byCode] of members.concepts) {
    for (const [code, display] of byCode) {
      list.push(display === undefined ? { system, code } : { system, code, display });
      codes.add(code);
    }
  }
  const open = members.open;
  return {
    url,
    contains: list,
    openSystems: open,
    complete: open.size === 0,
    codes,
    hasCoding: (system, code) => !!system && !!code && contains(members, system, code),
    hasCode: (code) => (codes.has(code) ? true : open.size ? undefined : false),
  };
}
