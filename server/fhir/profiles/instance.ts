// Walking a resource's JSON the way a profile sees it: each value with its FHIR type and its path, primitives with
// their `_name` sibling (where their id and extensions live), choice elements under their typed names.
// Types come from @medplum/core's type schemas (backbone elements have their own type names there, e.g.
// PatientContact), which the base validator has already checked the resource against.
import { isPrimitiveType, tryGetDataType } from '@medplum/core';

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
    return name === 'extension' || name === 'id'
      ? collect(source, name, name === 'id' ? 'string' : 'Extension', parent.path)
      : [];
  }
  const properties = propertiesOf(parent.type, name);
  if (properties.length === 1) {
    return collect(source, properties[0].key, properties[0].type, parent.path);
  }
  return properties.flatMap((p) => collect(source, p.key, p.type, parent.path));
}

type Property = { key: string; type: string };

const propertyCache = new Map<string, Property[]>();

/** The JSON properties an element name stands for, with their types; resolved once per type and name. */
function propertiesOf(type: string, name: string): Property[] {
  const cacheKey = `${type}.${name}`;
  let found = propertyCache.get(cacheKey);
  if (!found) {
    found = resolveProperties(type, name);
    propertyCache.set(cacheKey, found);
  }
  return found;
}

function resolveProperties(type: string, name: string): Property[] {
  const schema = tryGetDataType(type);
  if (!schema) {
    return [];
  }
  const element = schema.elements[name];
  if (element) {
    if (name.endsWith('[x]')) {
      const prefix = name.slice(0, -3);
      return element.type.map((t) => ({ key: prefix + capitalise(t.code), type: t.code }));
    }
    return [{ key: name, type: element.type[0]?.code ?? 'Element' }];
  }
  // A typed choice name (valueQuantity): find its [x] element and the type it names.
  for (const [key, candidate] of Object.entries(schema.elements)) {
    if (key.endsWith('[x]') && name.startsWith(key.slice(0, -3))) {
      const suffix = name.slice(key.length - 3);
      const choice = candidate.type.find((t) => capitalise(t.code) === suffix);
      if (choice) {
        return [{ key: name, type: choice.code }];
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
      items.push(
        item(
          values[i] ?? undefined,
          (siblings[i] ?? undefined) as Json | undefined,
          type,
          `${parentPath}.${key}[${i}]`,
        ),
      );
    }
    return items;
  }
  return [item(raw, sibling as Json | undefined, type, `${parentPath}.${key}`)];
}

function item(value: unknown, sibling: Json | undefined, type: string, path: string): Item {
  // Elements typed Resource (contained, Bundle.entry.resource) take the type of the resource they hold.
  const resourceType = (value as Json | undefined)?.resourceType;
  const actual =
    (type === 'Resource' || type === 'DomainResource') && typeof resourceType === 'string' ? resourceType : type;
  return { value, sibling, type: actual, path };
}

export function capitalise(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1);
}
