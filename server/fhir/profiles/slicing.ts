// Which slice a repeating value belongs to, by the slicing's discriminators
// (http://hl7.org/fhir/R4/profiling.html#discriminator): value and pattern compare the value at the discriminator
// path with the slice's fixed or pattern value there (or its required binding); exists asks whether the path is
// present; type compares the value's type; profile asks whether the value conforms to the slice's type profile.
// Extensions are sliced by url even when no slicing is declared, as the spec says.
import type { ElementDefinitionSlicing, ElementDefinitionSlicingDiscriminator } from '@medplum/fhirtypes';
import { evalFhirPath } from '@medplum/core';
import type { ProfileNode } from './compile.js';
import type { Item } from './instance.js';
import { matchesFixed, matchesPattern } from './pattern.js';

export interface SliceJudge {
  /** True when the item conforms to the profile (used by the profile discriminator). */
  conforms(item: Item, profile: string): boolean;
  /** The compiled root of a type profile, where a slice's discriminating value may be stated instead. */
  profileRoot(profile: string): ProfileNode | undefined;
  /** True/false when the coded value (code, Coding or CodeableConcept) is in the ValueSet; undefined when unknown. */
  inValueSet(value: unknown, valueSet: string): boolean | undefined;
}

const EXTENSION_SLICING: ElementDefinitionSlicing = { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' };

export function slicingOf(node: ProfileNode): ElementDefinitionSlicing | undefined {
  if (node.slicing) {
    return node.slicing;
  }
  return node.name === 'extension' || node.name === 'modifierExtension' ? EXTENSION_SLICING : undefined;
}

/**
 * The slice the item belongs to, or undefined. `undecidable` is set when a discriminator cannot be evaluated
 * here (e.g. resolve()), so the caller does not report a closed-slicing error it cannot justify.
 */
export function findSlice(
  element: ProfileNode,
  slicing: ElementDefinitionSlicing,
  item: Item,
  judge: SliceJudge,
  state: { undecidable?: string },
): ProfileNode | undefined {
  for (const slice of element.slices.values()) {
    if ((slicing.discriminator ?? []).every((d) => matches(slice, d, item, judge, state))) {
      return slice;
    }
  }
  return undefined;
}

function matches(
  slice: ProfileNode,
  d: ElementDefinitionSlicingDiscriminator,
  item: Item,
  judge: SliceJudge,
  state: { undecidable?: string },
): boolean {
  if (d.path.includes('resolve()')) {
    state.undecidable = `discriminator path ${d.path} follows a reference`;
    return false;
  }
  const target = nodeAt(slice, d.path);
  const actual = valuesAt(item, d.path);
  switch (d.type) {
    case 'value':
    case 'pattern': {
      const fromProfile = (target?.fixed ?? target?.pattern) ? undefined : statedByTypeProfile(slice, d.path, judge);
      const expected = target?.fixed ?? target?.pattern ?? fromProfile ?? implicitUrl(slice, d.path);
      if (expected) {
        const compare = target?.fixed && target.fixed === expected ? matchesFixed : matchesPattern;
        return actual.some((v) => compare(v, expected.value));
      }
      if (target?.binding?.valueSet) {
        return actual.some((v) => judge.inValueSet(v, target.binding!.valueSet!) === true);
      }
      state.undecidable = `slice ${slice.id} states no value at ${d.path}`;
      return false;
    }
    case 'exists':
      return target?.max === '0' ? actual.length === 0 : (target?.min ?? 0) >= 1 ? actual.length > 0 : true;
    case 'type': {
      const types = (target ?? slice).types?.map((t) => t.code) ?? [];
      if (d.path === '$this') {
        return types.includes(item.type);
      }
      return actual.some((v) =>
        types.includes(typeof v === 'object' && v && 'resourceType' in v ? String(v.resourceType) : typeof v),
      );
    }
    case 'profile': {
      const profiles = (target ?? slice).types?.flatMap((t) => t.profile ?? []) ?? [];
      return d.path === '$this' && profiles.length > 0 && profiles.some((p) => judge.conforms(item, p));
    }
    default:
      state.undecidable = `discriminator type ${d.type}`;
      return false;
  }
}

/** A slice typed with a profile (name:nameInformation-GivenName -> a HumanName profile) may fix the value there. */
function statedByTypeProfile(
  slice: ProfileNode,
  path: string,
  judge: SliceJudge,
): { key: string; value: unknown } | undefined {
  for (const profile of slice.types?.flatMap((t) => t.profile ?? []) ?? []) {
    const at = nodeAt(judge.profileRoot(profile), path);
    const stated = at?.fixed ?? at?.pattern;
    if (stated) {
      return stated;
    }
  }
  return undefined;
}

/**
 * An extension slice is identified by its url: its type profile's canonical, or for the parts of a complex
 * extension (Extension.extension:code), which have no profile, the slice name, which R4 extensions use as url.
 */
function implicitUrl(slice: ProfileNode, path: string): { key: string; value: unknown } | undefined {
  if (path !== 'url' || (slice.name !== 'extension' && slice.name !== 'modifierExtension')) {
    return undefined;
  }
  const profile = slice.types?.find((t) => t.code === 'Extension')?.profile?.[0];
  return { key: 'fixedUri', value: profile ? profile.split('|')[0] : slice.sliceName };
}

/** The slice's node at a discriminator path (`system`, `type.coding`, `$this`); simple dotted paths only. */
function nodeAt(slice: ProfileNode | undefined, path: string): ProfileNode | undefined {
  if (path === '$this') {
    return slice;
  }
  let node: ProfileNode | undefined = slice;
  for (const name of path.split('.')) {
    node = node?.children.get(name) ?? node?.children.get(`${name}[x]`);
  }
  return node;
}

function valuesAt(item: Item, path: string): unknown[] {
  if (path === '$this') {
    return [item.value];
  }
  if (/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) {
    let values: unknown[] = [item.value];
    for (const name of path.split('.')) {
      values = values.flatMap((v) => {
        const next = v && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined;
        return next === undefined ? [] : Array.isArray(next) ? next : [next];
      });
    }
    return values;
  }
  try {
    return evalFhirPath(path, item.value);
  } catch {
    return [];
  }
}
