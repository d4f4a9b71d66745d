// Which resources are one client's: his Patient compartment (the R4 Patient CompartmentDefinition, stored as
// `compartments` on every row), and the types that definition leaves out although they belong to one client, by
// the reference parameter that names him: a Device is the client's by Device.patient (the wheelchair at his home).
// Compartment searches, $everything and the access policy's own-compartment scope all ask this one place.
import { compartmentKey } from '../../contracts/compartment-key.js';
import type { Condition } from '../../contracts/condition.js';

/** Types outside the R4 Patient compartment that name their client, and the parameter that does. */
export const CLIENT_REFERENCE_OUTSIDE_COMPARTMENT: Readonly<Partial<Record<string, string>>> = { Device: 'patient' };

/** The resources of `resourceType` that are the client's (for Patient: the compartment, which holds himself). */
export function clientCompartmentCondition(resourceType: string, patientId: string): Condition {
  const param = CLIENT_REFERENCE_OUTSIDE_COMPARTMENT[resourceType];
  return param
    ? { kind: 'reference', param, targetType: 'Patient', targetId: patientId }
    : { kind: 'compartment', patientKey: compartmentKey(patientId) };
}
