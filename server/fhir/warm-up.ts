// Compiles, before the first request, what validation and index extraction otherwise compile lazily on first use
// of a type (about 0.5 s for the first Patient). The hub's core types are warmed; others compile on first use.
import type { Resource } from '@medplum/fhirtypes';
import { computeIndexValues } from '../storage/index-values.js';
import { validateResource, warmUpValidation } from './validation/validate.js';

const CORE_TYPES = [
  'Patient',
  'RelatedPerson',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Coverage',
  'CarePlan',
  'DeviceRequest',
  'SupplyRequest',
  'SupplyDelivery',
  'Device',
  'Consent',
  'AuditEvent',
];

export function warmUp(types: string[] = CORE_TYPES): void {
  warmUpValidation(types);
  for (const resourceType of types) {
    const empty = { resourceType } as Resource;
    validateResource(empty); // exercises the validator's per-type paths; the result is irrelevant
    computeIndexValues(empty);
  }
}
