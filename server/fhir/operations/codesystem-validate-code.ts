// $validate-code on a CodeSystem: GET|POST [base]/CodeSystem/$validate-code and [base]/CodeSystem/[id]/$validate-code
// (http://hl7.org/fhir/R4/codesystem-operation-validate-code.html), over the conformance registry. Answers 200 with
// `result` (and `message`, `display`); the rules are those of terminology/check-coding.ts. A CodeSystem held only
// in part cannot prove a code absent: that is a 422, not `result: false`.
import type { OperationDefinition } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import { checkInCodeSystem, combineChecks } from '../terminology/check-coding.js';
import { resolveCodeSystem } from '../terminology/resolve.js';
import type { Interaction } from '../request.js';
import { readInput } from './parameters.js';
import { askedConcept, VALIDATE_CODE_OUTPUT, validateCodeParameters } from './validate-code.js';

export const definition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'CodeSystem-validate-code',
  url: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code',
  name: 'Code System based Validation',
  status: 'active',
  kind: 'operation',
  code: 'validate-code',
  resource: ['CodeSystem'],
  system: false,
  type: true,
  instance: true,
  parameter: [
    { name: 'url', use: 'in', min: 0, max: '1', type: 'uri' },
    { name: 'code', use: 'in', min: 0, max: '1', type: 'code' },
    { name: 'version', use: 'in', min: 0, max: '1', type: 'string' },
    { name: 'display', use: 'in', min: 0, max: '1', type: 'string' },
    { name: 'coding', use: 'in', min: 0, max: '1', type: 'Coding' },
    { name: 'codeableConcept', use: 'in', min: 0, max: '1', type: 'CodeableConcept' },
    { name: 'displayLanguage', use: 'in', min: 0, max: '1', type: 'code' },
    ...VALIDATE_CODE_OUTPUT,
  ],
};

export const run: Interaction = async (request, { conformance }) => {
  const input = readInput(definition, request);
  const asked = askedConcept(input, { version: 'version' });
  // Without url, a single Coding's system names the CodeSystem.
  const url =
    input.string('url') ?? (asked.concept || request.params.id !== undefined ? undefined : asked.codings[0].system);
  const codeSystem = resolveCodeSystem(conformance.registry, { url, id: request.params.id }, '$validate-code');
  const language = input.string('displayLanguage');
  const check = combineChecks(asked.codings.map((coding) => checkInCodeSystem(codeSystem, coding, language)));
  if (!check.result && check.undetermined) {
    const { system, content, code } = check.undetermined;
    throw errors.conceptsNotHeld(system, content, code);
  }
  return { status: 200, resource: validateCodeParameters(check) };
};
