// Reading the element tree by local name, with the source path of everything read, so that each variant's own
// element names appear in a refusal.
import { MappingError } from '../adapter.js';
import type { Located } from './model.js';
import type { XmlElement } from '../shared/xml.js';

export interface Node {
  readonly element: XmlElement;
  readonly path: string;
}

export function rootNode(element: XmlElement): Node {
  return { element, path: `/${element.name}` };
}

/** The children with one of these names, in document order; `indexed` puts the position in the path (Client[2]). */
export function all(node: Node | undefined, names: readonly string[], indexed = true): Node[] {
  if (!node) {
    return [];
  }
  const seen = new Map<string, number>();
  const found: Node[] = [];
  for (const child of node.element.children) {
    const position = (seen.get(child.name) ?? 0) + 1;
    seen.set(child.name, position);
    if (names.includes(child.name)) {
      found.push({ element: child, path: `${node.path}/${child.name}${indexed ? `[${position}]` : ''}` });
    }
  }
  return found;
}

/** The one child with one of these names (variants of one element), or undefined; more than one is refused. */
export function one(node: Node | undefined, names: readonly string[]): Node | undefined {
  const found = all(node, names, false);
  if (found.length > 1) {
    const written = [...new Set(found.map((f) => f.element.name))].join(' and ');
    throw new MappingError(
      found[1].path,
      `${written} occurs ${found.length} times in ${node?.path}; one is expected`,
      'parse',
    );
  }
  return found[0];
}

/** The trimmed text of an element without child elements; undefined when it is absent or empty. */
export function text(node: Node | undefined): Located | undefined {
  if (!node) {
    return undefined;
  }
  if (node.element.children.length > 0) {
    throw new MappingError(node.path, `${node.element.name} holds elements where a value is expected`, 'parse');
  }
  const value = node.element.text.trim();
  return value ? { value, at: node.path } : undefined;
}

/** The text of the first of these children that is present (a path of variants). */
export function textOf(node: Node | undefined, names: readonly string[]): Located | undefined {
  return text(one(node, names));
}

/** A code written as the element's text or as the text of its one child element (`<Afzender><Gemeente>`). */
export function codeOf(node: Node | undefined): Located | undefined {
  const children = node?.element.children ?? [];
  if (node && children.length === 1) {
    return text({ element: children[0], path: `${node.path}/${children[0].name}` });
  }
  return text(node);
}

export function required<T>(value: T | undefined, at: string, what: string): T {
  if (value === undefined) {
    throw new MappingError(at, `${what} is missing`, 'parse');
  }
  return value;
}
