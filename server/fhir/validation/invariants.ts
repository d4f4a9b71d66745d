// The error-severity invariants that Medplum's validator evaluates, compiled once per element: the FHIRPath is
// parsed once, and the invariants that run on nearly every resource get a JS equivalent (invariant-shortcuts.ts)
// so that FHIRPath only runs where it has to.
import type { Constraint, FhirPathAtom, TypedValue } from '@medplum/core';
import { createConstraintIssue, createProcessingIssue, evalFhirPathTyped, toTypedValue, UCUM } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { parseFhirPathPlanned } from '../fhirpath.js';
import type { Shortcut } from './invariant-shortcuts.js';
import { isPrimitiveExtensionFailure, withoutPrimitiveExtensions } from './primitive-extensions.js';
import { shortcutFor } from './invariant-shortcuts.js';

/** ele-1 and these are not checked by Medplum (dom-3 needs descendants(), org-1 and sdf-19 are back-compat). */
const SKIPPED = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

/** Where an invariant is evaluated: %resource is the innermost resource, %rootResource the validated one. */
export interface InvariantContext {
  resource: unknown;
  root: TypedValue;
}

export interface CompiledInvariant {
  constraint: Constraint;
  /** true/false when the JS equivalent can decide; undefined to fall back to FHIRPath. */
  fast?: Shortcut;
  atom: FhirPathAtom;
}

const compiled = new WeakMap<Constraint[], CompiledInvariant[]>();

export function compileInvariants(constraints: Constraint[] | undefined): CompiledInvariant[] {
  if (!constraints) {
    return [];
  }
  let list = compiled.get(constraints);
  if (!list) {
    list = constraints
      .filter((c) => c.severity === 'error' && !SKIPPED.has(c.key))
      .map((constraint) => ({
        constraint,
        fast: shortcutFor(constraint.key, constraint.expression),
        atom: parseFhirPathPlanned(constraint.expression),
      }));
    compiled.set(constraints, list);
  }
  return list;
}

let ucum: TypedValue | undefined;

function holds(inv: CompiledInvariant, value: TypedValue, variables: Record<string, TypedValue>): boolean {
  const result = evalFhirPathTyped(inv.atom, [value], variables);
  return result.length === 1 && result[0].value === true;
}

function retryWithoutPrimitiveExtensions(
  inv: CompiledInvariant,
  value: TypedValue,
  context: InvariantContext,
): boolean {
  const plain: TypedValue = { type: value.type, value: withoutPrimitiveExtensions(value.value) };
  const variables: Record<string, TypedValue> = {
    '%context': plain,
    '%ucum': ucum!,
    '%rootResource': toTypedValue(withoutPrimitiveExtensions(context.root.value)),
  };
  if (context.resource !== undefined) {
    variables['%resource'] = toTypedValue(withoutPrimitiveExtensions(context.resource));
  }
  return holds(inv, plain, variables);
}

/** Checks the invariants in order and, like Medplum, reports only the first that fails. */
export function checkInvariants(
  invariants: CompiledInvariant[],
  value: TypedValue,
  path: string,
  context: InvariantContext,
  issues: OperationOutcomeIssue[],
): void {
  for (const inv of invariants) {
    let ok = inv.fast?.(value);
    if (ok === undefined) {
      ok = evaluate(inv, value, path, context, issues);
    }
    if (!ok) {
      issues.push(createConstraintIssue(path, inv.constraint));
      return;
    }
  }
}

function evaluate(
  inv: CompiledInvariant,
  value: TypedValue,
  path: string,
  context: InvariantContext,
  issues: OperationOutcomeIssue[],
): boolean {
  ucum ??= toTypedValue(UCUM);
  const variables: Record<string, TypedValue> = { '%context': value, '%ucum': ucum, '%rootResource': context.root };
  if (context.resource !== undefined) {
    variables['%resource'] = toTypedValue(context.resource);
  }
  try {
    return holds(inv, value, variables);
  } catch (err) {
    if (isPrimitiveExtensionFailure(err)) {
      try {
        return retryWithoutPrimitiveExtensions(inv, value, context);
      } catch {
        // reported below with the original error
      }
    }
    issues.push(
      createProcessingIssue(path, 'Error evaluating invariant expression', err as Error, {
        fhirpath: inv.constraint.expression,
      }),
    );
    return false;
  }
}
