// Validation of a resource against a profile (and, through type profiles, data type and extension profiles):
// cardinality, fixed and pattern values, required and extensible bindings, FHIRPath invariants, slices
// (membership, per-slice cardinality, closed slicing), reference target types and type profiles. Runs after the
// base validator, so the JSON is known to be valid R4; it checks only what the profile chain adds (compile.ts).
// Every issue names the element in the resource, the profile, the profile's element and the rule.
import type { FhirPathAtom, TypedValue } from '@medplum/core';
import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { ElementDefinitionConstraint, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { parseFhirPathPlanned } from '../fhirpath.js';
import type { Expander } from '../terminology/expand.js';
import { isPrimitiveExtensionFailure, withoutPrimitiveExtensions } from '../validation/primitive-extensions.js';
import { type CompiledProfile, compileProfile, type ProfileNode, typeProfiles } from './compile.js';
import { childItems, type Item } from './instance.js';
import { matchesFixed, matchesPattern } from './pattern.js';
import type { ConformanceRegistry } from './registry.js';
import { findSlice, type SliceJudge, slicingOf } from './slicing.js';

type IssueCode = OperationOutcomeIssue['code'];

interface Run {
  issues: OperationOutcomeIssue[];
  profile: CompiledProfile;
  resource: TypedValue;
  depth: number;
}

const MAX_DEPTH = 24;

export class ProfileValidator {
  private compiled = new Map<string, CompiledProfile | undefined>();
  private generation = -1;
  private readonly atoms = new Map<string, FhirPathAtom>();

  constructor(
    private readonly registry: ConformanceRegistry,
    private readonly terminology: Expander,
  ) {}

  /** The compiled profile for a canonical, or undefined when the registry does not hold it. */
  profile(canonical: string): CompiledProfile | undefined {
    if (this.generation !== this.registry.generation) {
      this.compiled.clear();
      this.generation = this.registry.generation;
    }
    const url = canonical.split('|')[0];
    if (!this.compiled.has(url)) {
      const sd = this.registry.structureDefinition(url);
      this.compiled.set(url, sd ? compileProfile(this.registry, sd) : undefined);
    }
    return this.compiled.get(url);
  }

  /** Issues of the resource against the profile; an unknown profile is itself an error. */
  validate(resource: Resource, canonical: string): OperationOutcomeIssue[] {
    const profile = this.profile(canonical);
    if (!profile) {
      return [issue('error', 'not-supported', resource.resourceType, `Profile ${canonical} is not known to this hub`)];
    }
    if (profile.type !== resource.resourceType) {
      return [
        issue(
          'error',
          'invalid',
          resource.resourceType,
          `Profile ${canonical} is for ${profile.type}, not ${resource.resourceType}`,
        ),
      ];
    }
    const root: Item = { value: resource, type: resource.resourceType, path: resource.resourceType };
    const run: Run = { issues: [], profile, resource: toTypedValue(resource), depth: 0 };
    this.reportMissingBases(run, profile, root.path);
    this.checkNode(run, profile.root, root);
    return run.issues;
  }

  private reportMissingBases(run: Run, profile: CompiledProfile, path: string): void {
    for (const base of profile.missingBases) {
      run.issues.push(
        issue(
          'warning',
          'not-supported',
          path,
          `${profile.url} derives from ${base}, which this hub does not hold; its constraints are not checked`,
        ),
      );
    }
  }

  private checkNode(run: Run, node: ProfileNode, item: Item): void {
    this.checkValue(run, node, item);
    for (const child of node.children.values()) {
      this.checkChild(run, child, item);
    }
  }

  private checkChild(run: Run, child: ProfileNode, parent: Item): void {
    const items = childItems(parent, child.name);
    const label = `${parent.path}.${child.name}`;
    checkCount(run, child, items.length, label, '');
    for (const item of items) {
      this.checkNode(run, child, item);
    }
    if (child.slices.size) {
      this.checkSlices(run, child, items, label);
    }
  }

  private checkSlices(run: Run, element: ProfileNode, items: Item[], label: string): void {
    const slicing = slicingOf(element);
    const members = new Map<ProfileNode, Item[]>();
    const state: { undecidable?: string } = {};
    for (const item of items) {
      const slice = slicing ? findSlice(element, slicing, item, this.judge(run), state) : undefined;
      if (slice) {
        members.set(slice, [...(members.get(slice) ?? []), item]);
      } else if (slicing?.rules === 'closed' && !state.undecidable) {
        report(
          run,
          element,
          item.path,
          'structure',
          `matches none of the slices of ${element.id} (${[...element.slices.keys()].join(', ')}), and the slicing is closed`,
        );
      }
    }
    if (!slicing || state.undecidable) {
      run.issues.push(
        issue(
          'information',
          'informational',
          label,
          `Slices of ${element.id} in ${run.profile.url} not checked: ${slicing ? state.undecidable : 'no slicing is declared'}`,
        ),
      );
      return;
    }
    for (const slice of element.slices.values()) {
      const found = members.get(slice) ?? [];
      checkCount(run, slice, found.length, label, ` in slice ${slice.sliceName}`);
      for (const item of found) {
        this.checkNode(run, slice, item);
      }
    }
  }

  private judge(run: Run): SliceJudge {
    return {
      conforms: (item, profile) => {
        const probe: Run = { ...run, issues: [] };
        this.checkTypeProfile(probe, profile, item);
        return !probe.issues.some((i) => i.severity === 'error');
      },
      profileRoot: (profile) => this.profile(profile)?.root,
      inValueSet: (value, valueSet) => codedMembership(this.terminology, value, valueSet),
    };
  }

  private checkValue(run: Run, node: ProfileNode, item: Item): void {
    const value = item.value;
    if (node.fixed && value !== undefined && !matchesFixed(value, node.fixed.value)) {
      report(
        run,
        node,
        item.path,
        'value',
        `must be exactly ${JSON.stringify(node.fixed.value)} (${node.fixed.key}), found ${JSON.stringify(value)}`,
      );
    }
    if (node.pattern && value !== undefined && !matchesPattern(value, node.pattern.value)) {
      report(
        run,
        node,
        item.path,
        'value',
        `must match ${JSON.stringify(node.pattern.value)} (${node.pattern.key}), found ${JSON.stringify(value)}`,
      );
    }
    if (node.maxLength !== undefined && typeof value === 'string' && value.length > node.maxLength) {
      report(run, node, item.path, 'too-long', `is ${value.length} characters long; at most ${node.maxLength} allowed`);
    }
    if (node.binding?.valueSet && value !== undefined) {
      this.checkBinding(run, node, item);
    }
    for (const constraint of node.constraints) {
      this.checkConstraint(run, node, item, constraint);
    }
    this.checkTypes(run, node, item);
  }

  private checkBinding(run: Run, node: ProfileNode, item: Item): void {
    const { strength, valueSet } = node.binding!;
    if (strength !== 'required' && strength !== 'extensible') {
      return;
    }
    const member = codedMembership(this.terminology, item.value, valueSet!);
    if (member === false) {
      const severity = strength === 'required' ? 'error' : 'warning';
      report(
        run,
        node,
        item.path,
        'code-invalid',
        `${describeCode(item.value)} is not in the ValueSet ${valueSet} (${strength} binding)`,
        severity,
      );
    }
  }

  private checkConstraint(run: Run, node: ProfileNode, item: Item, constraint: ElementDefinitionConstraint): void {
    if (constraint.key === 'ele-1' || !constraint.expression) {
      return;
    }
    let atom = this.atoms.get(constraint.expression);
    if (!atom) {
      atom = parseFhirPathPlanned(constraint.expression);
      this.atoms.set(constraint.expression, atom);
    }
    const input: TypedValue = { type: item.type, value: item.value };
    const holds = (value: TypedValue, resource: TypedValue): boolean => {
      const result = evalFhirPathTyped(atom, [value], {
        '%resource': resource,
        '%rootResource': resource,
        '%context': value,
      });
      return result.length === 1 && result[0].value === true;
    };
    let ok: boolean;
    try {
      try {
        ok = holds(input, run.resource);
      } catch (err) {
        if (!isPrimitiveExtensionFailure(err)) {
          throw err;
        }
        const plain = { type: input.type, value: withoutPrimitiveExtensions(input.value) };
        ok = holds(plain, toTypedValue(withoutPrimitiveExtensions(run.resource.value)));
      }
    } catch (err) {
      report(
        run,
        node,
        item.path,
        'processing',
        `rule ${constraint.key} could not be evaluated: ${(err as Error).message}`,
        'warning',
      );
      return;
    }
    if (!ok) {
      const severity = constraint.severity === 'warning' ? 'warning' : 'error';
      const source = node.constraintSources.get(constraint.key);
      report(
        run,
        node,
        item.path,
        'invariant',
        `rule ${constraint.key} failed: ${constraint.human ?? constraint.expression}`,
        severity,
        source,
      );
    }
  }

  private checkTypes(run: Run, node: ProfileNode, item: Item): void {
    if (!node.types?.length || item.value === undefined) {
      return;
    }
    // Only a choice can hold a type the profile removed; other elements keep their one base type.
    if (node.name.endsWith('[x]') && !node.types.some((t) => t.code === item.type)) {
      report(
        run,
        node,
        item.path,
        'structure',
        `has type ${item.type}; the profile allows ${node.types.map((t) => t.code).join(', ')}`,
      );
      return;
    }
    const { profiles, targets } = typeProfiles(node, item.type);
    if (profiles.length && run.depth < MAX_DEPTH) {
      this.checkAnyProfile(run, profiles, item);
    }
    if (targets.length && item.type === 'Reference') {
      this.checkTarget(run, node, item, targets);
    }
  }

  private checkAnyProfile(run: Run, profiles: string[], item: Item): void {
    if (profiles.length === 1) {
      this.checkTypeProfile(run, profiles[0], item);
      return;
    }
    const attempts = profiles.map((p) => {
      const probe: Run = { ...run, issues: [] };
      this.checkTypeProfile(probe, p, item);
      return probe.issues;
    });
    if (!attempts.some((issues) => !issues.some((i) => i.severity === 'error'))) {
      run.issues.push(
        issue('error', 'structure', item.path, `conforms to none of ${profiles.join(', ')}`),
        ...attempts[0],
      );
    }
  }

  private checkTypeProfile(run: Run, canonical: string, item: Item): void {
    const profile = this.profile(canonical);
    if (!profile) {
      run.issues.push(
        issue(
          'warning',
          'not-supported',
          item.path,
          `Profile ${canonical} (required by ${run.profile.url}) is not known to this hub; not checked`,
        ),
      );
      return;
    }
    const nested: Run = { issues: run.issues, profile, resource: run.resource, depth: run.depth + 1 };
    this.reportMissingBases(nested, profile, item.path);
    this.checkNode(nested, profile.root, item);
  }

  private checkTarget(run: Run, node: ProfileNode, item: Item, targets: string[]): void {
    const reference = (item.value as { reference?: string }).reference;
    const match =
      reference && !reference.startsWith('#') && !reference.startsWith('urn:')
        ? /([A-Z][A-Za-z]+)\/[^/]+(\/_history\/[^/]+)?$/.exec(reference)
        : null;
    if (!match) {
      return;
    }
    const allowed = targets.map((t) => this.registry.structureDefinition(t)?.type);
    if (allowed.includes(undefined)) {
      return; // an unknown target profile: the type cannot be judged
    }
    if (!allowed.includes(match[1])) {
      report(
        run,
        node,
        item.path,
        'structure',
        `refers to a ${match[1]}; the profile allows ${[...new Set(allowed)].join(', ')}`,
      );
    }
  }
}

function checkCount(run: Run, node: ProfileNode, count: number, label: string, where: string): void {
  if (node.min !== undefined && count < node.min) {
    report(
      run,
      node,
      label,
      'required',
      `${where ? `${where.trim()}: ` : ''}at least ${node.min} required, found ${count}`,
    );
  }
  if (node.max !== undefined && node.max !== '*' && count > Number(node.max)) {
    report(
      run,
      node,
      label,
      'structure',
      `${where ? `${where.trim()}: ` : ''}at most ${node.max} allowed, found ${count}`,
    );
  }
}

function report(
  run: Run,
  node: ProfileNode,
  path: string,
  code: IssueCode,
  message: string,
  severity: 'error' | 'warning' = 'error',
  definedBy = node.definedBy,
): void {
  const where =
    definedBy === run.profile.url ? `element ${node.id}` : `element ${node.id} as constrained by ${definedBy}`;
  run.issues.push(issue(severity, code, path, `${path} ${message} (profile ${run.profile.url}, ${where})`));
}

function issue(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  path: string,
  diagnostics: string,
): OperationOutcomeIssue {
  return { severity, code, diagnostics, expression: [path] };
}

/** Membership of a code, Coding or CodeableConcept; undefined when the ValueSet cannot be expanded. */
function codedMembership(terminology: Expander, value: unknown, valueSet: string): boolean | undefined {
  const expansion = terminology.expand(valueSet);
  if (!expansion) {
    return undefined;
  }
  if (typeof value === 'string') {
    return expansion.hasCode(value);
  }
  if (!value || typeof value !== 'object') {
    return undefined;
  }
  const codings =
    'coding' in value
      ? ((value as { coding?: unknown[] }).coding ?? [])
      : 'code' in value || 'system' in value
        ? [value]
        : [];
  if (!codings.length) {
    return 'coding' in value || 'text' in value ? false : undefined;
  }
  return codings.some((c) => {
    const coding = c as { system?: string; code?: string };
    return expansion.hasCoding(coding.system, coding.code);
  });
}

function describeCode(value: unknown): string {
  if (typeof value === 'string') {
    return `code "${value}"`;
  }
  const codings = ((value as { coding?: { system?: string; code?: string }[] }).coding ?? [value]) as {
    system?: string;
    code?: string;
  }[];
  return (
    codings.map((c) => `${c.system ?? '(no system)'}|${c.code ?? '(no code)'}`).join(', ') || 'a concept without codes'
  );
}
