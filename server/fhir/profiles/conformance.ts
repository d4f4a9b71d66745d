// The hub's conformance set-up, built once at start-up: the registry (R4 core, the hub's package, extra packages
// from HUB_PROFILE_PACKAGES), the terminology over it, the profile validator, and which types must conform to a
// hub profile whether or not they claim it (HUB_REQUIRED_PROFILES).
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { hubConformanceFiles, HUB_PACKAGE_NAME } from '../../../profiles/hub-package.js';
import { readPackage } from '../packages/read-package.js';
import { Expander } from '../terminology/expand.js';
import { ConformanceRegistry, coreSource } from './registry.js';
import { ProfileValidator } from './validate-profile.js';

/** `all`: every type with a hub profile; `none`; or the listed resource types. */
export type RequiredProfiles = 'all' | 'none' | readonly string[];

interface LoadedPackage {
  path: string;
  name: string;
  resources: number;
  problems: { file: string; message: string }[];
}

export interface Conformance {
  registry: ConformanceRegistry;
  terminology: Expander;
  validator: ProfileValidator;
  /** Resource type -> the hub profile every write of that type must conform to. */
  required: ReadonlyMap<string, string>;
  /** Resource type -> the hub profile for it, enforced or not. */
  hubProfiles: ReadonlyMap<string, string>;
  packages: LoadedPackage[];
}

export async function buildConformance(options: {
  packages?: readonly string[];
  required: RequiredProfiles;
}): Promise<Conformance> {
  const registry = new ConformanceRegistry();
  registry.add(coreSource());
  const hub = hubConformanceFiles().map((f) => f.resource);
  registry.add({ name: HUB_PACKAGE_NAME, resources: hub });
  const packages: LoadedPackage[] = [];
  for (const path of options.packages ?? []) {
    const contents = await readPackage(path);
    const name = contents.name ? `${contents.name}${contents.version ? ` ${contents.version}` : ''}` : path;
    const resources = registry.add({ name, resources: contents.resources });
    packages.push({ path, name, resources, problems: contents.problems });
  }
  const hubProfiles = new Map<string, string>();
  for (const resource of hub) {
    const sd = resource as StructureDefinition;
    if (sd.resourceType === 'StructureDefinition' && sd.kind === 'resource' && sd.derivation === 'constraint') {
      hubProfiles.set(sd.type, sd.url);
    }
  }
  const required = new Map<string, string>();
  const wanted =
    options.required === 'all' ? [...hubProfiles.keys()] : options.required === 'none' ? [] : options.required;
  for (const type of wanted) {
    const url = hubProfiles.get(type);
    if (!url) {
      throw new Error(
        `HUB_REQUIRED_PROFILES names ${type}, but the hub has no profile for it; it has: ${[...hubProfiles.keys()].join(', ')}`,
      );
    }
    required.set(type, url);
  }
  const terminology = new Expander(registry);
  return {
    registry,
    terminology,
    validator: new ProfileValidator(registry, terminology),
    required,
    hubProfiles,
    packages,
  };
}

/**
 * The profiles a write is checked against: the hub profile its type requires, and every profile it claims in
 * meta.profile that the hub holds. A claimed profile the hub does not know is not checked (R4 lets a server
 * ignore profiles it does not know; refusing would lock out senders of profiles not loaded here), and is named in
 * `unknown` so $validate can say so.
 */
export function profilesFor(conformance: Conformance, resource: Resource): { check: string[]; unknown: string[] } {
  const check = new Set<string>();
  const unknown: string[] = [];
  const required = conformance.required.get(resource.resourceType);
  if (required) {
    check.add(required);
  }
  for (const claimed of resource.meta?.profile ?? []) {
    if (conformance.validator.profile(claimed)) {
      check.add(claimed.split('|')[0]);
    } else {
      unknown.push(claimed);
    }
  }
  return { check: [...check], unknown };
}

/** The profile issues of a write (after the base validation passed). */
export function profileIssues(conformance: Conformance, resource: Resource): OperationOutcomeIssue[] {
  return profilesFor(conformance, resource).check.flatMap((url) => conformance.validator.validate(resource, url));
}
