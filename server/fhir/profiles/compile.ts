// Compiles a profile into the tree of constraints it adds to its base type: the differentials of its derivation
// chain (nl-core-Patient -> zib-Patient -> Patient), merged ancestor first by element id, so a slice declared in
// zib-Patient and tightened in nl-core-Patient is one node. Elements no profile in the chain mentions are left out:
// the base specification is checked by the base validator on every write, so the tree holds only what profiles add.
// This is why the hub needs no snapshot to validate (the nl-core package ships none); snapshot.ts builds the
// published snapshots of the hub's own profiles from the same merge.
import type {
  ElementDefinition,
  ElementDefinitionBinding,
  ElementDefinitionConstraint,
  ElementDefinitionSlicing,
  ElementDefinitionType,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { parseElementId } from './element-id.js';
import { type ConformanceRegistry, isCoreDefinition } from './registry.js';

export interface ProfileNode {
  /** Element id in the profile, e.g. `Patient.identifier:bsn.system`. */
  id: string;
  /** Property name, e.g. `identifier`, `value[x]`, `valueQuantity`. */
  name: string;
  sliceName?: string;
  min?: number;
  max?: string;
  types?: ElementDefinitionType[];
  fixed?: { key: string; value: unknown };
  pattern?: { key: string; value: unknown };
  binding?: ElementDefinitionBinding;
  constraints: ElementDefinitionConstraint[];
  /** Constraint key -> the profile that declared it, so a failed rule names where it comes from. */
  constraintSources: Map<string, string>;
  maxLength?: number;
  slicing?: ElementDefinitionSlicing;
  children: Map<string, ProfileNode>;
  slices: Map<string, ProfileNode>;
  /** The profile whose differential last constrained this element (named in error messages). */
  definedBy: string;
  /** The differential elements of the chain merged (later wins): short, definition, etc. for snapshots and docs. */
  element: Partial<ElementDefinition>;
}

export interface CompiledProfile {
  url: string;
  /** The type the profile constrains: a resource type, a data type or `Extension`. */
  type: string;
  name: string;
  root: ProfileNode;
  /** The chain from this profile up to (not including) the core definition. */
  chain: string[];
  /** Bases the registry does not hold: their constraints are not checked. */
  missingBases: string[];
}

export function compileProfile(registry: ConformanceRegistry, sd: StructureDefinition): CompiledProfile {
  const chain: StructureDefinition[] = [];
  const missingBases: string[] = [];
  const seen = new Set<string>();
  let current: StructureDefinition | undefined = sd;
  while (current && !isCoreDefinition(current) && !seen.has(current.url)) {
    seen.add(current.url);
    chain.unshift(current);
    const base: string | undefined = current.baseDefinition;
    current = base ? registry.structureDefinition(base) : undefined;
    if (base && !current) {
      missingBases.push(base);
    }
  }
  const root = newNode(sd.type, sd.type, undefined, sd.url);
  for (const profile of chain) {
    for (const element of profile.differential?.element ?? profile.snapshot?.element ?? []) {
      applyElement(root, element, profile.url);
    }
  }
  return {
    url: sd.url,
    type: sd.type,
    name: sd.name ?? sd.url,
    root,
    chain: chain.map((p) => p.url).reverse(),
    missingBases,
  };
}

function newNode(id: string, name: string, sliceName: string | undefined, definedBy: string): ProfileNode {
  return {
    id,
    name,
    sliceName,
    constraints: [],
    constraintSources: new Map(),
    children: new Map(),
    slices: new Map(),
    definedBy,
    element: {},
  };
}

function applyElement(root: ProfileNode, element: ElementDefinition, definedBy: string): void {
  const segments = parseElementId(element.id ?? element.path);
  let node = root;
  let id = segments[0].name;
  for (const segment of segments.slice(1)) {
    id += `.${segment.name}`;
    let child = node.children.get(segment.name);
    if (!child) {
      child = newNode(id, segment.name, undefined, definedBy);
      node.children.set(segment.name, child);
    }
    node = child;
    if (segment.sliceName) {
      id += `:${segment.sliceName}`;
      let slice = node.slices.get(segment.sliceName);
      if (!slice) {
        slice = newNode(id, segment.name, segment.sliceName, definedBy);
        node.slices.set(segment.sliceName, slice);
      }
      node = slice;
    }
  }
  merge(node, element, definedBy);
}

function merge(node: ProfileNode, element: ElementDefinition, definedBy: string): void {
  const { id: _id, path: _path, constraint, ...rest } = element;
  node.element = { ...node.element, ...rest };
  let changed = false;
  if (element.min !== undefined) {
    node.min = element.min;
    changed = true;
  }
  if (element.max !== undefined) {
    node.max = element.max;
    changed = true;
  }
  if (element.type?.length) {
    node.types = element.type;
    changed = true;
  }
  if (element.binding?.valueSet) {
    node.binding = element.binding;
    changed = true;
  }
  if (element.maxLength !== undefined) {
    node.maxLength = element.maxLength;
    changed = true;
  }
  if (element.slicing) {
    node.slicing = element.slicing;
  }
  for (const c of constraint ?? []) {
    if (!node.constraints.some((known) => known.key === c.key)) {
      node.constraints.push(c);
      node.constraintSources.set(c.key, definedBy);
      changed = true;
    }
  }
  for (const key in element) {
    if (key.startsWith('fixed')) {
      node.fixed = { key, value: (element as unknown as Record<string, unknown>)[key] };
      changed = true;
    } else if (key.startsWith('pattern')) {
      node.pattern = { key, value: (element as unknown as Record<string, unknown>)[key] };
      changed = true;
    }
  }
  if (changed) {
    node.definedBy = definedBy;
  }
}

/** The type profiles and target profiles a node allows, by type code. */
export function typeProfiles(node: ProfileNode, typeCode: string): { profiles: string[]; targets: string[] } {
  const profiles: string[] = [];
  const targets: string[] = [];
  for (const t of node.types ?? []) {
    if (t.code === typeCode) {
      profiles.push(...(t.profile ?? []));
      targets.push(...(t.targetProfile ?? []));
    }
  }
  return { profiles, targets };
}
