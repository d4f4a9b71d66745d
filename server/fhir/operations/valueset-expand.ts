// $expand: GET|POST [base]/ValueSet/$expand, GET|POST [base]/ValueSet/[id]/$expand
// (http://hl7.org/fhir/R4/valueset-operation-expand.html), over the conformance registry (R4 core, the hub package,
// loaded packages); `[id]` is a registry ValueSet's id, not a stored one. The answer is the ValueSet with an
// `expansion`; an incomplete one (systems the hub cannot list) is marked, see terminology/expanded-value-set.ts.
// A ValueSet the Expander cannot evaluate at all is a 422 that says why.
import { randomUUID } from 'node:crypto';
import type { OperationDefinition } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import { expandedValueSet } from '../terminology/expanded-value-set.js';
import { resolveValueSet } from '../terminology/resolve.js';
import { unexpandableReason } from '../terminology/unexpandable.js';
import type { Interaction } from '../request.js';
import { readInput } from './parameters.js';

export const definition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'ValueSet-expand',
  url: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand',
  name: 'Value Set Expansion',
  status: 'active',
  kind: 'operation',
  code: 'expand',
  resource: ['ValueSet'],
  system: false,
  type: true,
  instance: true,
  parameter: [
    { name: 'url', use: 'in', min: 0, max: '1', type: 'uri' },
    { name: 'valueSetVersion', use: 'in', min: 0, max: '1', type: 'string' },
    { name: 'filter', use: 'in', min: 0, max: '1', type: 'string' },
    { name: 'offset', use: 'in', min: 0, max: '1', type: 'integer' },
    { name: 'count', use: 'in', min: 0, max: '1', type: 'integer' },
    { name: 'displayLanguage', use: 'in', min: 0, max: '1', type: 'code' },
    { name: 'return', use: 'out', min: 1, max: '1', type: 'ValueSet' },
  ],
};

export const run: Interaction = async (request, { conformance }) => {
  const input = readInput(definition, request);
  const valueSet = resolveValueSet(
    conformance.registry,
    { url: input.string('url'), version: input.string('valueSetVersion'), id: request.params.id },
    '$expand',
  );
  const expansion = conformance.terminology.expand(valueSet.url!);
  if (!expansion) {
    throw errors.cannotExpand(valueSet.url!, unexpandableReason(conformance.registry, valueSet));
  }
  const resource = expandedValueSet(conformance.registry, valueSet, expansion, {
    filter: input.string('filter'),
    offset: input.nonNegative('offset'),
    count: input.nonNegative('count'),
    displayLanguage: input.string('displayLanguage'),
    now: new Date(),
    identifier: randomUUID(),
  });
  return { status: 200, resource };
};
