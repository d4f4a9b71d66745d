// $validate-code on a ValueSet: GET|POST [base]/ValueSet/$validate-code and [base]/ValueSet/[id]/$validate-code
// (http://hl7.org/fhir/R4/valueset-operation-validate-code.html), over the conformance registry and the same
// expansions $expand answers. `code` needs `system` (the hub judges no bare codes), and so does `coding`. Answers 200
// with `result` (and `message`, `display`); the rules are those of terminology/check-coding.ts.
import type { OperationDefinition } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import { checkInValueSet, combineChecks } from '../terminology/check-coding.js';
import { resolveValueSet } from '../terminology/resolve.js';
import { unexpandableReason } from '../terminology/unexpandable.js';
import type { Interaction } from '../request.js';
import { readInput } from './parameters.js';
import { askedConcept, VALIDATE_CODE_OUTPUT, validateCodeParameters } from './validate-code.js';

export const definition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'ValueSet-validate-code',
  url: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code',
  name: 'Value Set based Validation',
  status: 'active',
  kind: 'operation',
  code: 'validate-code',
  resource: ['ValueSet'],
  system: false,
  type: true,
  instance: true,
  parameter: [
    { name: 'url', use: 'in', min: 0, max: '1', type: 'uri' },
    { name: 'valueSetVersion', use: 'in', min: 0, max: '1', type: 'string' },
    { name: 'code', use: 'in', min: 0, max: '1', type: 'code' },
    { name: 'system', use: 'in', min: 0, max: '1', type: 'uri' },
    { name: 'systemVersion', use: 'in', min: 0, max: '1', type: 'string' },
    { name: 'display', use: 'in', min: 0, max: '1', type: 'string' },
    { name: 'coding', use: 'in', min: 0, max: '1', type: 'Coding' },
    { name: 'codeableConcept', use: 'in', min: 0, max: '1', type: 'CodeableConcept' },
    { name: 'displayLanguage', use: 'in', min: 0, max: '1', type: 'code' },
    ...VALIDATE_CODE_OUTPUT,
  ],
};

export const run: Interaction = async (request, { conformance }) => {
  const input = readInput(definition, request);
  const asked = askedConcept(input, { system: 'system', version: 'systemVersion' });
  if (!asked.concept && !asked.codings[0].system) {
    throw errors.badParameter(`$validate-code on a ValueSet needs the system of code "${asked.codings[0].code ?? ''}"`);
  }
  if (input.has('system') && !input.has('code')) {
    throw errors.badParameter('$validate-code: system goes with code; a Coding carries its own system');
  }
  const valueSet = resolveValueSet(
    conformance.registry,
    { url: input.string('url'), version: input.string('valueSetVersion'), id: request.params.id },
    '$validate-code',
  );
  const expansion = conformance.terminology.expand(valueSet.url!);
  if (!expansion) {
    throw errors.cannotExpand(valueSet.url!, unexpandableReason(conformance.registry, valueSet));
  }
  const language = input.string('displayLanguage');
  const check = combineChecks(
    asked.codings.map((coding) => checkInValueSet(conformance.registry, valueSet, expansion, coding, language)),
  );
  return { status: 200, resource: validateCodeParameters(check) };
};
