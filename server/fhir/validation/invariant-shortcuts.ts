// JS equivalents of the invariants that run on nearly every write, so FHIRPath only runs where it must.
// Each returns true/false when it can decide exactly as Medplum's FHIRPath would, or undefined to fall back.
// Note Medplum evaluates both sides of "or"/"implies" and may throw on the unneeded side; a shortcut only skips
// sides that cannot throw (exists(), empty(), allTrue() and comparisons on at most one value).
import type { TypedValue } from '@medplum/core';
import { isEmpty } from '@medplum/core';
import { getTypePlan } from './type-plans.js';
import { resolve } from './typed-values.js';

export type Shortcut = (value: TypedValue) => boolean | undefined;

/** Medplum's htmlChecks() is always true (narrative.ts does the real check), so txt-1 and txt-2 are too. */
const ALWAYS_TRUE = 'htmlChecks()';

/** Hand-written equivalents, each guarded by the expression it was written for. */
const BY_KEY: Record<string, { expression: string; fn: Shortcut }> = {
  'ext-1': { expression: 'extension.exists() != value.exists()', fn: ({ value: ext }) => ext1(ext) },
  'dom-2': {
    expression: 'contained.contained.empty()',
    fn: ({ value }) => noneContainedHas(value, (c) => 'contained' in c || '_contained' in c),
  },
  'dom-4': {
    expression: 'contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()',
    fn: ({ value }) =>
      noneContainedHas(value, (c) => hasAny(c.meta, ['versionId', '_versionId', 'lastUpdated', '_lastUpdated'])),
  },
  'dom-5': {
    expression: 'contained.meta.security.empty()',
    fn: ({ value }) => noneContainedHas(value, (c) => hasAny(c.meta, ['security', '_security'])),
  },
  // "X.empty() or <boolean that cannot throw>": true when X is absent, else FHIRPath decides.
  'obs-7': { expression: 'value.empty() or component.code.where(', fn: (v) => (absent(v, 'value') ? true : undefined) },
  'con-4': {
    expression: 'abatement.empty() or clinicalStatus.coding.where(',
    fn: (v) => (absent(v, 'abatement') ? true : undefined),
  },
  'tim-9': {
    expression: 'offset.empty() or (when.exists() and when.select(',
    fn: (v) => (absent(v, 'offset') ? true : undefined),
  },
};

const SIMPLE_TERM = /^(\w+)\.(exists|empty)\(\)$/;
const GUARDED_COMPARISON = /^(\w+)\.exists\(\) implies (\w+) (>=|<=|>|<) \d+(\.\d+)?$/;

/** The shortcut for a constraint, if any. */
export function shortcutFor(key: string, expression: string): Shortcut | undefined {
  if (expression === ALWAYS_TRUE) {
    return () => true;
  }
  const known = BY_KEY[key];
  if (known && expression.startsWith(known.expression)) {
    return known.fn;
  }
  // "a.empty() or b.exists() or ...": every term is a plain presence test, decided exactly from the JSON.
  const terms = expression.split(' or ').map((t) => SIMPLE_TERM.exec(t.trim()));
  if (terms.every((t) => t !== null)) {
    const tests = terms.map((t) => ({
      element: (t as RegExpExecArray)[1],
      empty: (t as RegExpExecArray)[2] === 'empty',
    }));
    return (value) => {
      let decided = false;
      for (const { element, empty } of tests) {
        const isAbsent = absent(value, element);
        if (isAbsent === undefined) {
          return undefined;
        }
        decided ||= isAbsent === empty;
      }
      return decided;
    };
  }
  // "d.exists() implies d >= 0": true when d is absent (the comparison of nothing is empty, not an error).
  const guarded = GUARDED_COMPARISON.exec(expression);
  if (guarded && guarded[1] === guarded[2]) {
    return (value) => (absent(value, guarded[1]) ? true : undefined);
  }
  return undefined;
}

/** Whether the element has no value, as FHIRPath's navigation sees it; undefined when it cannot tell. */
function absent(typed: TypedValue, element: string): boolean | undefined {
  const obj = typed.value;
  if (!obj || typeof obj !== 'object') {
    return undefined;
  }
  const elements = getTypePlan(typed.type).byKey;
  const plan = elements.get(element) ?? elements.get(`${element}[x]`);
  return plan ? resolve(plan, obj) === undefined : undefined;
}

function ext1(value: unknown): boolean | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const ext = value as Record<string, unknown>;
  // `value` is value[x] (merged with its _value[x] sibling) when not empty; the schema allows only one type.
  let hasValue = false;
  for (const key in ext) {
    if ((key.startsWith('value') || key.startsWith('_value')) && !isEmpty(ext[key])) {
      hasValue = true;
    }
  }
  return !isEmpty(ext.extension) !== hasValue;
}

function noneContainedHas(
  resource: unknown,
  has: (contained: Record<string, unknown>) => boolean,
): boolean | undefined {
  const contained = (resource as { contained?: unknown } | null | undefined)?.contained;
  if (contained === undefined) {
    return true;
  }
  if (!Array.isArray(contained)) {
    return undefined;
  }
  for (const c of contained) {
    if (typeof c !== 'object' || c === null || has(c)) {
      return undefined;
    }
  }
  return true;
}

function hasAny(obj: unknown, keys: string[]): boolean {
  return typeof obj === 'object' && obj !== null && keys.some((k) => k in obj);
}
