// Walking a resource's JSON the way a profile sees it: each value with its FHIR type and its path, primitives with
// their `_name` sibling (where their id and extensions live), choice elements under their typed names.
// Types come from @medplum/core's type schemas (backbone elements have their own type names there, e.g.
// PatientContact), which the base validator has already checked the resource against.
import { getDataType, isPrimitiveType, tryGetDataType } from '@medplum/core';

export interface Item {
  value: unknown;
  /** The `_name` object of a primitive: its id and extensions. */
  sibling?: Record<string, unknown>;
  type: string;
  /** FHIRPath-like location in the validated resource, e.g. `Patient.identifier[0].system`. */
  path: string;
}

type Json = Record<string, unknown>;

/** The values of a child element (`identifier`, `value[x]`, `valueQuantity`), each typed. */
export function childItems(parent: Item, name: string): Item[] {
  const primitive = isPrimitiveType(parent.type);
  const source = (primitive ? parent.sibling : parent.value) as Json | undefined;
  if (!source || typeof source !== 'object') {
    return [];
  }
  if (primitive) {
    // A primitive's children are only id and extension (Element).
    return name === 'extension' || name === 'id' ? collect(source, name, name === 'id' ? 'string' : 'Extension', parent.path) : [];
  }
  const schema = tryGetDataType(parent.type);
  if (!schema) {
    return [];
  }
  const element = schema.elements[name];
  if (element) {
    if (name.endsWith('[x]')) {
      const prefix = name.slice(0, -3);
      return element.type.flatMap((t) => collect(source, prefix + capitalise(t.code), t.code, parent.path));
    }
    return collect(source, name, element.type[0]?.code ?? 'Element', parent.path);
  }
  // A typed choice name (valueQuantity): find its [x] element and the type it names.
  for (const [key, candidate] of Object.entries(schema.elements)) {
    if (key.endsWith('[x]') && name.startsWith(key.slice(0, -3))) {
      const suffix = name.slice(key.length - 3);
      const type = candidate.type.find((t) => capitalise(t.code) === suffix);
      if (type) {
        return collect(source, name, type.code, parent.path);
      }
    }
  }
  return [];
}

function collect(source: Json, key: string, type: string, parentPath: string): Item[] {
  const raw = source[key];
  const sibling = source[`_${key}`];
  if (raw === undefined && sibling === undefined) {
    return [];
  }
  if (Array.isArray(raw) || Array.isArray(sibling)) {
    const values = (Array.isArray(raw) ? raw : []) as unknown[];
    const siblings = (Array.isArray(sibling) ? sibling : []) as unknown[];
    const length = Math.max(values.length, siblings.length);
    const items: Item[] = [];
    for (let i = 0; i < length; i++) {
      items.push(item(values[i] ?? undefined, (siblings[i] ?? undefined) as Json | undefined, type, `${parentPath}.${key}[${i}]`));
    }
    return items;
  }
  return [item(raw, sibling as Json | undefined, type, `${parentPath}.${key}`)];
}

function item(value: unknown, sibling: Json | undefined, type: string, path: string): Item {
  // Elements typed Resource (contained, Bundle.entry.resource) take the type of the resource they hold.
  const resourceType = (value as Json | undefined)?.resourceType;
  const actual = (type === 'Resource' || type === 'DomainResource') && typeof resourceType === 'string' ? resourceType : type;
  return { value, sibling, type: actual, path };
}

export function capitalise(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1);
}

/** The property names a type can hold, for telling a profile's element names from typos. */
export function hasElement(type: string, name: string): boolean {
  return !!getDataType(type).elements[name];
}
