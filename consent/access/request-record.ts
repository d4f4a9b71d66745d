// The audit record of one FHIR request: the facts of the request (route, principal, status) and what the policy
// repository saw leave storage (rules used, versions touched), turned into the audit log's record (access-record.ts) and the
// compartments it is filed under (so each client finds it in his own access log). Every client the access
// concerns is named, and each resource entity says whose it is, so that a client's own log can show him his part
// of the record and nothing of anyone else's (own-log-view.ts).
import type { Resource } from '@medplum/fhirtypes';
import { CLIENT_REFERENCE_OUTSIDE_COMPARTMENT } from '../../server/fhir/search/client-compartment.js';
import { compartmentKey, isUuid } from '../../server/contracts/compartment-key.js';
import { compartmentPatientIds } from '../../server/storage/index-values.js';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import type { StoredVersion } from '../../server/contracts/repository.js';
import { type EventFacts, buildAccessRecord } from '../audit/access-record.js';

export type RequestFacts = Omit<EventFacts, 'rules' | 'touched' | 'patients' | 'entityClients'> & {
  /** `Patient/<id>` of the clients a refused or failed attempt was aimed at (attempted-clients.ts). */
  attempted?: readonly string[];
};

export function requestRecord(
  facts: RequestFacts,
  seen: { rules: string[]; touched: readonly StoredVersion[] },
): AuditRecord {
  const touched = new Map<string, StoredVersion>();
  for (const version of seen.touched) {
    touched.set(`${version.resourceType}/${version.id}/_history/${version.versionId}`, version);
  }
  const patients = new Set<string>();
  const entityClients = new Map<string, string[]>();
  if (facts.principal?.patient) patients.add(facts.principal.patient);
  for (const patient of facts.attempted ?? []) patients.add(patient);
  for (const [reference, version] of touched) {
    const clients = clientsOf(version);
    entityClients.set(reference, clients);
    for (const client of clients) patients.add(client);
  }
  const { attempted: _attempted, ...accessFacts } = facts;
  const compartments = [...patients].map((patient) => compartmentKey(patient.replace(/^Patient\//, '')));
  return buildAccessRecord(
    { ...accessFacts, rules: seen.rules, touched: [...touched.keys()], patients: [...patients], entityClients },
    [...new Set(compartments)],
  );
}

/**
 * `Patient/<id>` of the clients whose compartment a version is in. A compartment key that is not a name-based
 * (version 5) uuid is the Patient's own id (compartment-key.ts), so most versions need no parsing; the others, and
 * versions read without their keys, are resolved from their JSON.
 */
export function clientsOf(version: StoredVersion): string[] {
  // A Device is its client's by Device.patient, outside the R4 compartment (client-compartment.ts).
  const outside = CLIENT_REFERENCE_OUTSIDE_COMPARTMENT[version.resourceType];
  const keys = version.compartments;
  if (!outside && keys && keys.every((key) => isUuid(key) && key[14] !== '5')) {
    return keys.map((key) => `Patient/${key}`);
  }
  if (version.deleted || !version.json) return [];
  return compartmentPatientIds(JSON.parse(version.json) as Resource, {}, outside ? [outside] : []).map(
    (id) => `Patient/${id}`,
  );
}
