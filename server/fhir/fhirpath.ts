// Medplum's FHIRPath with faster property navigation. Medplum resolves every `a.b` step per value by looking up the
// element and trying each of its types' JSON names in turn (a choice such as Extension.value[x] has fifty, each
// name built anew); that step was the largest single cost of the hub's profile invariants and of search value
// extraction. parseFhirPathPlanned() parses with Medplum and swaps each property step for one that reads the
// element's precomputed JSON names (type-plans.ts, the validator's own). Everything else (functions, operators,
// variables, errors) stays Medplum's, so the result is the same value for value (fhirpath.test.ts holds it to that
// over the R4 examples and the hub's rules).
import type { AtomContext, FhirPathAtom, TypedValue } from '@medplum/core';
import { getTypedPropertyValue, parseFhirPath, SymbolAtom } from '@medplum/core';
import { getTypePlan, type TypePlan } from './validation/type-plans.js';
import { resolve } from './validation/typed-values.js';

type Atom = { eval(context: AtomContext, input: TypedValue[]): TypedValue[] };

/** Plans by type name; null where Medplum holds no schema for the name, so navigation falls back to Medplum. */
const plans = new Map<string, TypePlan | null>();

function planOf(type: string): TypePlan | null {
  let plan = plans.get(type);
  if (plan === undefined) {
    try {
      plan = getTypePlan(type);
    } catch {
      plan = null;
    }
    plans.set(type, plan);
  }
  return plan;
}

/** A property step (or variable, or `$this`) that behaves as Medplum's SymbolAtom, with planned navigation. */
class PlannedSymbolAtom extends SymbolAtom {
  override eval(context: AtomContext, input: TypedValue[]): TypedValue[] {
    const name = this.name;
    if (name === '$this') {
      return input;
    }
    for (let c: AtomContext | undefined = context; c; c = c.parent) {
      const variable = c.variables[name];
      if (variable !== undefined) {
        return [variable];
      }
    }
    if (name.startsWith('%')) {
      throw new Error(`Undefined variable ${name}`);
    }
    const out: TypedValue[] = [];
    for (const e of input) {
      navigate(e, name, out);
    }
    return out;
  }
}

/** Appends what `name` yields on one value, as SymbolAtom.evalValue does (values of undefined left out). */
function navigate(typed: TypedValue, name: string, out: TypedValue[]): void {
  const obj = typed.value;
  if (!obj || typeof obj !== 'object') {
    return;
  }
  if ('resourceType' in obj && obj.resourceType === name) {
    out.push(typed);
    return;
  }
  const byKey = planOf(typed.type)?.byKey;
  const element = byKey && (byKey.get(name) ?? byKey.get(`${name}[x]`));
  // An unplanned type, or a name Medplum finds otherwise (`valueString` for value[x]): Medplum's own lookup.
  const found = element ? resolve(element, obj) : getTypedPropertyValue(typed, name);
  if (found === undefined) {
    return;
  }
  if (Array.isArray(found)) {
    for (const v of found) {
      if (v?.value !== undefined) {
        out.push(v);
      }
    }
  } else if (found.value !== undefined) {
    out.push(found);
  }
}

function isAtom(value: unknown): value is Atom {
  return typeof value === 'object' && value !== null && typeof (value as Atom).eval === 'function';
}

/** A copy of the tree in which every SymbolAtom is planned; other atoms keep their class and fields. */
function plannedTree<T>(atom: T): T {
  if (atom instanceof SymbolAtom) {
    return new PlannedSymbolAtom(atom.name) as T;
  }
  const copy = Object.create(Object.getPrototypeOf(atom));
  for (const [key, value] of Object.entries(atom as object)) {
    if (isAtom(value)) {
      copy[key] = plannedTree(value);
    } else if (Array.isArray(value) && value.length > 0 && value.every(isAtom)) {
      copy[key] = value.map(plannedTree);
    } else {
      copy[key] = value;
    }
  }
  return copy;
}

/** parseFhirPath(), with planned property navigation; evaluate it with evalFhirPathTyped as usual. */
export function parseFhirPathPlanned(expression: string): FhirPathAtom {
  return plannedTree(parseFhirPath(expression));
}
