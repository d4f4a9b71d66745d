// Finds the ValueSet or CodeSystem a terminology operation names: by canonical URL (`url`, `url|version`, or a
// Coding's system) or, for [base]/ValueSet/[id]/$op, by resource id. These are the registry's resources (R4 core,
// the hub package, loaded packages), not ValueSets stored through the REST API. The registry holds one version per
// URL, so asking for another version is a 404 that names the version held. Ids are unique per package only (the
// hub's consent-category and coverage-class share their id with R4 core ones): the hub's own resource wins, then a
// loaded package's, then R4 core's; two at the same rank are a 400 that lists their urls.
import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import { HUB_PACKAGE_NAME } from '../../../profiles/hub-package.js';
import { type ConformanceRegistry, coreSource } from '../profiles/registry.js';

export interface Target {
  url?: string;
  /** The version asked for (valueSetVersion, version); `url|version` works too. */
  version?: string;
  /** The id of [base]/ValueSet/[id]/$op. */
  id?: string;
}

type Kind = 'ValueSet' | 'CodeSystem';

const byId = new WeakMap<ConformanceRegistry, { generation: number; ids: Map<string, (ValueSet | CodeSystem)[]> }>();

function withId(registry: ConformanceRegistry, kind: Kind, id: string): (ValueSet | CodeSystem)[] {
  let cached = byId.get(registry);
  if (!cached || cached.generation !== registry.generation) {
    const ids = new Map<string, (ValueSet | CodeSystem)[]>();
    for (const resource of [...registry.all('ValueSet'), ...registry.all('CodeSystem')]) {
      if (resource.id) {
        const key = `${resource.resourceType}/${resource.id}`;
        ids.set(key, [...(ids.get(key) ?? []), resource]);
      }
    }
    cached = { generation: registry.generation, ids };
    byId.set(registry, cached);
  }
  return cached.ids.get(`${kind}/${id}`) ?? [];
}

/** The candidates of the best rank: the hub package, then loaded packages, then R4 core. */
function preferred(registry: ConformanceRegistry, candidates: (ValueSet | CodeSystem)[]): (ValueSet | CodeSystem)[] {
  const rank = (resource: ValueSet | CodeSystem): number => {
    const source = registry.source(resource.url!);
    return source === HUB_PACKAGE_NAME ? 0 : source === coreSource().name ? 2 : 1;
  };
  const best = Math.min(...candidates.map(rank));
  return candidates.filter((candidate) => rank(candidate) === best);
}

function splitCanonical(target: Target): { url?: string; version?: string } {
  if (!target.url?.includes('|')) {
    return { url: target.url, version: target.version };
  }
  const [url, version] = target.url.split('|', 2);
  if (target.version !== undefined && version && target.version !== version) {
    throw errors.badParameter(`${target.url} names version "${version}", the version parameter "${target.version}"`);
  }
  return { url, version: version || target.version };
}

function resolve(registry: ConformanceRegistry, kind: Kind, target: Target, operation: string): ValueSet | CodeSystem {
  const { url, version } = splitCanonical(target);
  let found: ValueSet | CodeSystem | undefined;
  if (target.id !== undefined) {
    const matches = preferred(registry, withId(registry, kind, target.id));
    if (matches.length > 1) {
      const urls = matches.map((m) => m.url).join(', ');
      throw errors.badParameter(
        `id "${target.id}" names more than one ${kind} (${urls}); use [base]/${kind}/${operation}?url=`,
      );
    }
    found = matches[0];
    if (!found) {
      throw kind === 'ValueSet'
        ? errors.unknownValueSet(`with id "${target.id}"`)
        : errors.unknownCodeSystem(`with id "${target.id}"`);
    }
    if (url !== undefined && url !== found.url) {
      throw errors.badParameter(`url ${url} is not the url of ${kind}/${target.id} (${found.url})`);
    }
  } else {
    if (!url) {
      throw errors.badParameter(`${operation} needs a ${kind}: the url parameter, or [base]/${kind}/[id]/${operation}`);
    }
    found = kind === 'ValueSet' ? registry.valueSet(url) : registry.codeSystem(url);
    if (!found) {
      throw kind === 'ValueSet' ? errors.unknownValueSet(url) : errors.unknownCodeSystem(url);
    }
  }
  // A resource without a version matches any version asked for: there is nothing to contradict it.
  if (version && found.version && version !== found.version) {
    throw errors.unknownVersion(`${kind} ${found.url}`, found.version, version);
  }
  return found;
}

export function resolveValueSet(registry: ConformanceRegistry, target: Target, operation: string): ValueSet {
  return resolve(registry, 'ValueSet', target, operation) as ValueSet;
}

export function resolveCodeSystem(registry: ConformanceRegistry, target: Target, operation: string): CodeSystem {
  return resolve(registry, 'CodeSystem', target, operation) as CodeSystem;
}
