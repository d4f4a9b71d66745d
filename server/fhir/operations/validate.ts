// $validate: POST [type]/$validate, POST|GET [type]/[id]/$validate (http://hl7.org/fhir/R4/resource-operation-validate.html)
// Validates without storing and answers 200 with an OperationOutcome listing the issues (an empty-handed outcome
// says "valid"): the base specification, then `profile=` if given, the hub profile the type requires and the
// profiles the resource claims. The body is the resource itself, or a Parameters resource with `resource`, `mode`
// and `profile`.
import type { OperationDefinition, OperationOutcomeIssue, Parameters, Resource } from '@medplum/fhirtypes';
import { type Conformance, profilesFor } from '../profiles/conformance.js';
import { errors } from '../../errors.js';
import { validateResource } from '../validation/validate.js';
import { outcome } from '../outcome.js';
import type { Interaction } from '../request.js';

export const definition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'Resource-validate',
  url: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  name: 'Validate',
  status: 'active',
  kind: 'operation',
  code: 'validate',
  system: false,
  type: true,
  instance: true,
  parameter: [
    { name: 'resource', use: 'in', min: 0, max: '1', type: 'Resource' },
    { name: 'mode', use: 'in', min: 0, max: '1', type: 'code' },
    { name: 'profile', use: 'in', min: 0, max: '1', type: 'uri' },
    { name: 'return', use: 'out', min: 1, max: '1', type: 'OperationOutcome' },
  ],
};

const MODES = new Set(['create', 'update', 'delete']);

function unwrap(body: unknown): { resource?: Resource; mode?: string; profile?: string } {
  if (!body || typeof body !== 'object') {
    return {};
  }
  const candidate = body as Resource;
  if (candidate.resourceType !== 'Parameters') {
    return { resource: candidate };
  }
  const parameters = (candidate as Parameters).parameter ?? [];
  return {
    resource: parameters.find((p) => p.name === 'resource')?.resource,
    mode: parameters.find((p) => p.name === 'mode')?.valueCode,
    profile:
      parameters.find((p) => p.name === 'profile')?.valueUri ??
      parameters.find((p) => p.name === 'profile')?.valueCanonical,
  };
}

/** The profile asked for, the hub profile the type requires and the claimed ones; unknown claims are named. */
function profileChecks(
  conformance: Conformance,
  resource: Resource,
  asked: string | undefined,
): OperationOutcomeIssue[] {
  const { check, unknown } = profilesFor(conformance, resource);
  const urls = asked ? [asked.split('|')[0], ...check.filter((u) => u !== asked.split('|')[0])] : check;
  const issues = urls.flatMap((url) => conformance.validator.validate(resource, url));
  for (const url of unknown) {
    issues.push({
      severity: 'warning',
      code: 'not-supported',
      diagnostics: `meta.profile claims ${url}, which this hub does not hold; not checked`,
      expression: [`${resource.resourceType}.meta.profile`],
    });
  }
  return issues;
}

function isError(issue: OperationOutcomeIssue): boolean {
  return issue.severity === 'error' || issue.severity === 'fatal';
}

export const run: Interaction = async (request, { repository, conformance }) => {
  const { resourceType, id } = request.params;
  const input = unwrap(request.body);
  const mode = input.mode ?? request.query.get('mode') ?? undefined;
  const profile = input.profile ?? request.query.get('profile') ?? undefined;
  if (mode !== undefined && !MODES.has(mode)) {
    throw errors.badParameter(`mode "${mode}" is not one of create, update, delete`);
  }
  if (profile !== undefined && !conformance.validator.profile(profile)) {
    throw errors.badParameter(
      `profile "${profile}" is not known to this hub (neither its own profiles nor a loaded package define it)`,
    );
  }
  if (mode === 'delete') {
    if (!id) {
      throw errors.badParameter('mode=delete needs an instance: [type]/[id]/$validate');
    }
    await repository.read(resourceType!, id);
    return {
      status: 200,
      outcome: outcome([
        { severity: 'information', code: 'informational', diagnostics: `${resourceType}/${id} can be deleted` },
      ]),
    };
  }
  let resource = input.resource;
  if (!resource && id) {
    resource = JSON.parse((await repository.read(resourceType!, id)).json) as Resource;
  }
  if (!resource) {
    throw errors.invalidResource(
      `$validate needs a ${resourceType} in the body (the resource, or Parameters with "resource")`,
    );
  }
  if (resource.resourceType !== resourceType) {
    throw errors.typeMismatch(String(resource.resourceType), resourceType!);
  }
  if (mode === 'update' && id && resource.id !== id) {
    throw errors.idMismatch(String(resource.id), id);
  }
  const issues = validateResource(resource).issues;
  if (!issues.some(isError)) {
    issues.push(...profileChecks(conformance, resource, profile));
  }
  if (!issues.length) {
    issues.push({ severity: 'information', code: 'informational', diagnostics: `${resourceType} is valid` });
  }
  return { status: 200, outcome: outcome(issues) };
};
