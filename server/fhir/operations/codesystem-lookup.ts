// $lookup: GET|POST [base]/CodeSystem/$lookup, and GET|POST [base]/CodeSystem/[id]/$lookup for a registry
// CodeSystem's id (http://hl7.org/fhir/R4/codesystem-operation-lookup.html; R4 defines the type level only, the
// instance level is the hub's convenience). The concept is named by `system` + `code` (+ `version`) or by `coding`.
// An unknown code is a 404 naming system and code; a code not listed in a CodeSystem held only in part (SNOMED CT
// ships as content "not-present") is a 422, since the hub cannot say it does not exist.
import type { OperationDefinition } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import { conceptIndex } from '../terminology/concepts.js';
import { lookupParameters } from '../terminology/lookup.js';
import { resolveCodeSystem } from '../terminology/resolve.js';
import type { Interaction } from '../request.js';
import { readInput } from './parameters.js';

export const definition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'CodeSystem-lookup',
  url: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup',
  name: 'Concept Look Up & Decomposition',
  status: 'active',
  kind: 'operation',
  code: 'lookup',
  resource: ['CodeSystem'],
  system: false,
  type: true,
  instance: true,
  parameter: [
    { name: 'code', use: 'in', min: 0, max: '1', type: 'code' },
    { name: 'system', use: 'in', min: 0, max: '1', type: 'uri' },
    { name: 'version', use: 'in', min: 0, max: '1', type: 'string' },
    { name: 'coding', use: 'in', min: 0, max: '1', type: 'Coding' },
    { name: 'displayLanguage', use: 'in', min: 0, max: '1', type: 'code' },
    { name: 'property', use: 'in', min: 0, max: '*', type: 'code' },
    { name: 'name', use: 'out', min: 1, max: '1', type: 'string' },
    { name: 'version', use: 'out', min: 0, max: '1', type: 'string' },
    { name: 'display', use: 'out', min: 1, max: '1', type: 'string' },
    {
      name: 'designation',
      use: 'out',
      min: 0,
      max: '*',
      part: [
        { name: 'language', use: 'out', min: 0, max: '1', type: 'code' },
        { name: 'use', use: 'out', min: 0, max: '1', type: 'Coding' },
        { name: 'value', use: 'out', min: 1, max: '1', type: 'string' },
      ],
    },
    {
      name: 'property',
      use: 'out',
      min: 0,
      max: '*',
      part: [
        { name: 'code', use: 'out', min: 1, max: '1', type: 'code' },
        { name: 'value', use: 'out', min: 0, max: '1', type: 'Element' },
        { name: 'description', use: 'out', min: 0, max: '1', type: 'string' },
      ],
    },
  ],
};

export const run: Interaction = async (request, { conformance }) => {
  const input = readInput(definition, request);
  const coding = input.coding('coding');
  if (coding && (input.has('code') || input.has('system'))) {
    throw errors.badParameter('$lookup takes code and system, or coding, not both');
  }
  const code = input.string('code') ?? coding?.code;
  const system = input.string('system') ?? coding?.system;
  if (!code) {
    throw errors.badParameter('$lookup needs the concept: code and system, or coding');
  }
  if (!system && request.params.id === undefined) {
    throw errors.badParameter(`$lookup needs the system of code "${code}" (or [base]/CodeSystem/[id]/$lookup)`);
  }
  const codeSystem = resolveCodeSystem(
    conformance.registry,
    { url: system, version: input.string('version') ?? coding?.version, id: request.params.id },
    '$lookup',
  );
  const concept = conceptIndex(codeSystem).get(code);
  if (!concept) {
    throw codeSystem.content === 'complete'
      ? errors.unknownCode(code, codeSystem.url!)
      : errors.conceptsNotHeld(codeSystem.url!, String(codeSystem.content), code);
  }
  const resource = lookupParameters(codeSystem, concept, {
    properties: input.strings('property'),
    displayLanguage: input.string('displayLanguage'),
  });
  return { status: 200, resource };
};
