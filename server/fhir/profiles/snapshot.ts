// Snapshot generation for profiles on R4 core types (the hub's own): the base type's snapshot, in order, with the
// merged differential (compile.ts) laid over it. Slices follow their sliced element; children of an element that
// the base snapshot does not expand (Identifier.system under Patient.identifier:bsn, Coding under Coverage.type) are
// taken from the data type's own snapshot, as the spec's snapshot rules do. Elements nobody constrained stay as in
// the base. contentReference elements are not expanded. The validator does not need the snapshot (it works on the
// merged differential); the snapshot is published for tools and integrators that expect one.
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { type CompiledProfile, compileProfile, type ProfileNode } from './compile.js';
import { capitalise } from './instance.js';
import type { ConformanceRegistry } from './registry.js';

export function generateSnapshot(registry: ConformanceRegistry, sd: StructureDefinition): ElementDefinition[] {
  const compiled: CompiledProfile = compileProfile(registry, sd);
  const base = registry.structureDefinition(`http://hl7.org/fhir/StructureDefinition/${sd.type}`);
  if (!base?.snapshot?.element?.length) {
    throw new Error(`${sd.url}: no snapshot of the base type ${sd.type} to build on`);
  }
  const out: ElementDefinition[] = [];
  const root = base.snapshot.element[0];
  out.push(overlay(root, root.id ?? root.path, root.path, compiled.root));
  emitChildren(
    registry,
    base.snapshot.element,
    root.id ?? root.path,
    root.id ?? root.path,
    root.path,
    compiled.root,
    out,
  );
  return out;
}

function emitChildren(
  registry: ConformanceRegistry,
  elements: ElementDefinition[],
  baseParentId: string,
  newParentId: string,
  newParentPath: string,
  node: ProfileNode | undefined,
  out: ElementDefinition[],
): void {
  const prefix = `${baseParentId}.`;
  for (const child of elements) {
    const id = child.id ?? child.path;
    if (!id.startsWith(prefix) || id.slice(prefix.length).includes('.')) {
      continue;
    }
    const name = id.slice(prefix.length);
    const childNode = node?.children.get(name);
    const newId = `${newParentId}.${name}`;
    const newPath = `${newParentPath}.${name}`;
    out.push(overlay(child, newId, newPath, childNode));
    emitDescendants(registry, elements, child, id, newId, newPath, childNode, out);
    if (name.endsWith('[x]')) {
      emitTypedChoices(registry, child, newId, newPath, node, name, out);
    }
    for (const slice of childNode?.slices.values() ?? []) {
      const sliceId = `${newId}:${slice.sliceName}`;
      out.push({ ...overlay(child, sliceId, newPath, slice), sliceName: slice.sliceName, slicing: undefined });
      emitDescendants(registry, elements, child, id, sliceId, newPath, slice, out);
    }
  }
}

/** `value[x]` constrained as `valueQuantity`: a type slice of the choice, as the spec writes it in snapshots. */
function emitTypedChoices(
  registry: ConformanceRegistry,
  choice: ElementDefinition,
  newId: string,
  newPath: string,
  parent: ProfileNode | undefined,
  name: string,
  out: ElementDefinition[],
): void {
  const prefix = name.slice(0, -3);
  for (const type of choice.type ?? []) {
    const typed = parent?.children.get(prefix + capitalise(type.code));
    if (!typed) {
      continue;
    }
    const sliceName = prefix + capitalise(type.code);
    const sliceId = `${newId}:${sliceName}`;
    out.push({ ...overlay({ ...choice, type: [type] }, sliceId, newPath, typed), sliceName });
    emitTypeChildren(registry, type.code, sliceId, newPath, typed, out);
  }
}

function emitDescendants(
  registry: ConformanceRegistry,
  elements: ElementDefinition[],
  base: ElementDefinition,
  baseId: string,
  newId: string,
  newPath: string,
  node: ProfileNode | undefined,
  out: ElementDefinition[],
): void {
  const hasOwnChildren = elements.some((e) => (e.id ?? e.path).startsWith(`${baseId}.`));
  if (hasOwnChildren) {
    emitChildren(registry, elements, baseId, newId, newPath, node, out);
  } else if (node?.children.size) {
    // A choice narrowed to one type (occurrence[x] as Period) expands that type's children.
    const types = node.types ?? base.type ?? [];
    if (types.length !== 1) {
      throw new Error(
        `${node.id}: children are constrained, but the element has ${types.length} types; constrain it to one`,
      );
    }
    emitTypeChildren(registry, types[0].code, newId, newPath, node, out);
  }
}

function emitTypeChildren(
  registry: ConformanceRegistry,
  typeCode: string,
  newId: string,
  newPath: string,
  node: ProfileNode,
  out: ElementDefinition[],
): void {
  if (!node.children.size) {
    return;
  }
  const type = registry.structureDefinition(`http://hl7.org/fhir/StructureDefinition/${typeCode}`);
  const elements = type?.snapshot?.element;
  if (!elements?.length) {
    throw new Error(`${node.id}: children are constrained, but the type ${typeCode} has no snapshot to expand`);
  }
  emitChildren(registry, elements, elements[0].id ?? elements[0].path, newId, newPath, node, out);
}

function overlay(base: ElementDefinition, id: string, path: string, node: ProfileNode | undefined): ElementDefinition {
  const element: ElementDefinition = { ...base, id, path };
  if (!node) {
    return element;
  }
  const merged: ElementDefinition = { ...element, ...node.element, id, path };
  // Fixed and pattern values replace whatever the base had under another type suffix.
  if (node.fixed || node.pattern) {
    for (const key of Object.keys(merged)) {
      if (
        (key.startsWith('fixed') && key !== node.fixed?.key) ||
        (key.startsWith('pattern') && key !== node.pattern?.key)
      ) {
        delete (merged as unknown as Record<string, unknown>)[key];
      }
    }
  }
  if (node.constraints.length) {
    const keys = new Set((base.constraint ?? []).map((c) => c.key));
    merged.constraint = [...(base.constraint ?? []), ...node.constraints.filter((c) => !keys.has(c.key))];
  }
  return merged;
}
