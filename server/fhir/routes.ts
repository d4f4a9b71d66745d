// The one table of FHIR interactions and operations this server supports. The fastify plugin registers a route per
// row, the Bundle processor dispatches entries through the same rows, and the CapabilityStatement is generated from
// them: what the server says it does and what it does share one source.
import { batchOrTransaction } from './bundle/process.js';
import { create } from './interactions/create.js';
import { conditionalDelete, deleteInteraction } from './interactions/delete.js';
import { historyInstance, historySystem, historyType } from './interactions/history.js';
import { metadata } from './interactions/metadata.js';
import { patch } from './interactions/patch.js';
import { read } from './interactions/read.js';
import { searchCompartment, searchSystem, searchType } from './interactions/search.js';
import { conditionalUpdate, update } from './interactions/update.js';
import { vread } from './interactions/vread.js';
import * as codeSystemLookup from './operations/codesystem-lookup.js';
import * as codeSystemValidateCode from './operations/codesystem-validate-code.js';
import * as patientEverything from './operations/patient-everything.js';
import * as validateOperation from './operations/validate.js';
import * as valueSetExpand from './operations/valueset-expand.js';
import * as valueSetValidateCode from './operations/valueset-validate-code.js';
import type { FhirMethod, Interaction } from './request.js';

/** Interaction names as in the CapabilityStatement (TypeRestfulInteraction / SystemRestfulInteraction), or operation:<code>. */
type InteractionName =
  | 'capabilities'
  | 'batch-transaction'
  | 'history-system'
  | 'history-type'
  | 'history-instance'
  | 'vread'
  | 'read'
  | 'create'
  | 'update'
  | 'conditional-update'
  | 'patch'
  | 'delete'
  | 'conditional-delete'
  | 'search-type'
  | 'search-system'
  | 'search-compartment'
  | 'operation:validate'
  | 'operation:expand'
  | 'operation:lookup'
  | 'operation:validate-code'
  | 'operation:everything';

export interface FhirRoute {
  method: FhirMethod;
  /** fastify path syntax; `:resourceType`, `:id`, `:versionId` and `:type` (compartment search) are the parameters. */
  path: string;
  interaction: InteractionName;
  handler: Interaction;
  /** Public routes need no authentication (metadata); every other route requires a bearer token. */
  public?: boolean;
}

export const fhirRoutes: FhirRoute[] = [
  { method: 'GET', path: '/metadata', interaction: 'capabilities', handler: metadata, public: true },
  { method: 'POST', path: '/', interaction: 'batch-transaction', handler: batchOrTransaction },
  { method: 'GET', path: '/', interaction: 'search-system', handler: searchSystem },
  { method: 'POST', path: '/_search', interaction: 'search-system', handler: searchSystem },
  { method: 'GET', path: '/:resourceType', interaction: 'search-type', handler: searchType },
  { method: 'POST', path: '/:resourceType/_search', interaction: 'search-type', handler: searchType },
  { method: 'GET', path: '/:resourceType/:id/:type', interaction: 'search-compartment', handler: searchCompartment },
  { method: 'GET', path: '/_history', interaction: 'history-system', handler: historySystem },
  { method: 'GET', path: '/:resourceType/_history', interaction: 'history-type', handler: historyType },
  {
    method: 'POST',
    path: '/:resourceType/$validate',
    interaction: 'operation:validate',
    handler: validateOperation.run,
  },
  {
    method: 'POST',
    path: '/:resourceType/:id/$validate',
    interaction: 'operation:validate',
    handler: validateOperation.run,
  },
  {
    method: 'GET',
    path: '/:resourceType/:id/$validate',
    interaction: 'operation:validate',
    handler: validateOperation.run,
  },
  // Terminology operations over the conformance registry (not stored resources); the literal type segment wins
  // over /:resourceType/:id and /:resourceType/:id/:type in fastify's router and in router.ts.
  { method: 'GET', path: '/ValueSet/$expand', interaction: 'operation:expand', handler: valueSetExpand.run },
  { method: 'POST', path: '/ValueSet/$expand', interaction: 'operation:expand', handler: valueSetExpand.run },
  { method: 'GET', path: '/ValueSet/:id/$expand', interaction: 'operation:expand', handler: valueSetExpand.run },
  { method: 'POST', path: '/ValueSet/:id/$expand', interaction: 'operation:expand', handler: valueSetExpand.run },
  {
    method: 'GET',
    path: '/ValueSet/$validate-code',
    interaction: 'operation:validate-code',
    handler: valueSetValidateCode.run,
  },
  {
    method: 'POST',
    path: '/ValueSet/$validate-code',
    interaction: 'operation:validate-code',
    handler: valueSetValidateCode.run,
  },
  {
    method: 'GET',
    path: '/ValueSet/:id/$validate-code',
    interaction: 'operation:validate-code',
    handler: valueSetValidateCode.run,
  },
  {
    method: 'POST',
    path: '/ValueSet/:id/$validate-code',
    interaction: 'operation:validate-code',
    handler: valueSetValidateCode.run,
  },
  { method: 'GET', path: '/CodeSystem/$lookup', interaction: 'operation:lookup', handler: codeSystemLookup.run },
  { method: 'POST', path: '/CodeSystem/$lookup', interaction: 'operation:lookup', handler: codeSystemLookup.run },
  { method: 'GET', path: '/CodeSystem/:id/$lookup', interaction: 'operation:lookup', handler: codeSystemLookup.run },
  { method: 'POST', path: '/CodeSystem/:id/$lookup', interaction: 'operation:lookup', handler: codeSystemLookup.run },
  {
    method: 'GET',
    path: '/CodeSystem/$validate-code',
    interaction: 'operation:validate-code',
    handler: codeSystemValidateCode.run,
  },
  {
    method: 'POST',
    path: '/CodeSystem/$validate-code',
    interaction: 'operation:validate-code',
    handler: codeSystemValidateCode.run,
  },
  {
    method: 'GET',
    path: '/CodeSystem/:id/$validate-code',
    interaction: 'operation:validate-code',
    handler: codeSystemValidateCode.run,
  },
  {
    method: 'POST',
    path: '/CodeSystem/:id/$validate-code',
    interaction: 'operation:validate-code',
    handler: codeSystemValidateCode.run,
  },
  {
    method: 'GET',
    path: '/Patient/:id/$everything',
    interaction: 'operation:everything',
    handler: patientEverything.run,
  },
  { method: 'GET', path: '/:resourceType/:id/_history', interaction: 'history-instance', handler: historyInstance },
  { method: 'GET', path: '/:resourceType/:id/_history/:versionId', interaction: 'vread', handler: vread },
  { method: 'POST', path: '/:resourceType', interaction: 'create', handler: create },
  { method: 'GET', path: '/:resourceType/:id', interaction: 'read', handler: read },
  { method: 'PUT', path: '/:resourceType/:id', interaction: 'update', handler: update },
  { method: 'PUT', path: '/:resourceType', interaction: 'conditional-update', handler: conditionalUpdate },
  { method: 'PATCH', path: '/:resourceType/:id', interaction: 'patch', handler: patch },
  { method: 'DELETE', path: '/:resourceType/:id', interaction: 'delete', handler: deleteInteraction },
  { method: 'DELETE', path: '/:resourceType', interaction: 'conditional-delete', handler: conditionalDelete },
];

export const operationDefinitions = [
  validateOperation.definition,
  patientEverything.definition,
  valueSetExpand.definition,
  valueSetValidateCode.definition,
  codeSystemLookup.definition,
  codeSystemValidateCode.definition,
];
