// The audit record of one FHIR request: the facts of the request (route, principal, status) and what the policy
// repository saw leave storage (rules used, versions touched), turned into an AuditEvent (audit-event.ts) and the
// compartments it is filed under (so each client finds it in his own access log).
import type { Resource } from '@medplum/fhirtypes';
import { compartmentKey } from '../../server/storage/compartment-key.js';
import { computeIndexValues } from '../../server/storage/index-values.js';
import type { AuditRecord } from '../../server/storage/pg/audit-log.js';
import type { StoredVersion } from '../../server/storage/repository.js';
import { type AccessFacts, buildAuditEvent } from './audit-event.js';

export type RequestFacts = Omit<AccessFacts, 'rules' | 'touched' | 'patients'>;

export function requestRecord(facts: RequestFacts, seen: { rules: string[]; touched: readonly StoredVersion[] }): AuditRecord {
  const touched = new Map<string, StoredVersion>();
  for (const version of seen.touched) {
    touched.set(`${version.resourceType}/${version.id}/_history/${version.versionId}`, version);
  }
  const compartments = new Set<string>();
  const patients = new Set<string>();
  if (facts.principal?.patient) {
    patients.add(facts.principal.patient);
    compartments.add(compartmentKey(facts.principal.patient.replace(/^Patient\//, '')));
  }
  for (const version of touched.values()) {
    if (version.resourceType === 'Patient') patients.add(`Patient/${version.id}`);
    const keys = version.compartments ?? (version.deleted || !version.json ? [] : computeIndexValues(JSON.parse(version.json) as Resource).compartments);
    for (const key of keys) compartments.add(key);
  }
  const event = buildAuditEvent({ ...facts, rules: seen.rules, touched: [...touched.keys()], patients: [...patients] });
  return { event, compartments: [...compartments] };
}
