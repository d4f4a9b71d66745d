// A parsed order message as one transaction: the client, the ordering parties, the insurers and Coverages from IN1,
// and one DeviceRequest per order group. Parties are conditional creates, the Coverages and DeviceRequests
// conditional updates on their business identifiers; full URLs come from the message key.
import type { BundleEntry, Identifier, Resource } from '@medplum/fhirtypes';
import type { MappedMessage, MappingContext } from '../adapter.js';
import { createIfAbsent, createOrUpdate, referenceByIdentifier, urnFor } from '../shared/bundle-entries.js';
import { NAMING } from '../shared/naming-systems.js';
import { refuse } from './errors.js';
import type { Seg } from './hl7-read.js';
import { fhirInstant } from './hl7-time.js';
import { mapCoverage } from './map-coverage.js';
import { mapOrder, orderObr, placerNumber } from './map-order.js';
import { insurer, orderingOrganization, orderingPractitioner, type Party } from './map-parties.js';
import { clientBsn, mapPatient } from './map-person.js';
import type { ParsedOrderMessage } from './parse.js';

/** hl7v2:<MSH-3>^<MSH-4>:<MSH-10>, each HD by its namespace id, else its universal id. */
function messageKey(msh: Seg, controlId: string): string {
  const hd = (field: number) => msh.value(field, 1) ?? msh.value(field, 2) ?? '';
  return `hl7v2:${hd(3)}^${hd(4)}:${controlId}`;
}

/** MSH-7 as an ISO date-time with offset (Europe/Amsterdam's when the message gives none). */
function messageTime(msh: Seg): string {
  const value = msh.value(7);
  if (!value) {
    throw refuse.missing(msh.at(7), 'no message date/time in MSH-7');
  }
  const time = fhirInstant(value);
  if (!time) {
    throw refuse.invalid(msh.at(7), `MSH-7 ${value} is not an HL7 date/time to the minute (YYYYMMDDHHMM[SS][+ZZZZ])`);
  }
  return time;
}

export function mapOrderMessage(parsed: ParsedOrderMessage, context: MappingContext): MappedMessage {
  const { msh } = parsed;
  const key = messageKey(msh, parsed.controlId);
  const time = messageTime(msh);
  if (!parsed.pid) {
    throw refuse.segment('PID', 'no PID segment: the hub needs the client (PID-3 BSN, name, birth date, address)');
  }
  // The BSN first: without it nothing of the message can be placed with a client.
  const bsn = clientBsn(parsed.pid);
  const entries = new Entries(key);
  const patient = entries.party('patient', mapPatient(parsed.pid, bsn), { system: NAMING.bsn, value: bsn });

  if (parsed.in1.length === 0) {
    throw refuse.segment(
      'IN1',
      "no IN1 segment: the hub's DeviceRequest needs the Coverage that pays (send the Zvw insurance in IN1)",
    );
  }
  const seen = new Map<string, Seg>();
  const insurance = parsed.in1.map((in1) => {
    const coverage = mapCoverage(in1);
    const earlier = seen.get(`${coverage.identifier.system}|${coverage.identifier.value}`);
    if (earlier) {
      throw refuse.invalid(in1.at(36), `${in1.at()} repeats the insurer and verzekerdenummer of ${earlier.at()}`);
    }
    seen.set(`${coverage.identifier.system}|${coverage.identifier.value}`, in1);
    const payor = entries.partyOrReference(`insurer-${coverage.uzovi}`, insurer(in1, coverage.uzovi));
    return entries.thing(`coverage-${in1.ordinal}`, coverage.build(patient, payor), coverage.identifier);
  });

  const placers = new Set<string>();
  for (const group of parsed.orders) {
    const obr = orderObr(group);
    const placer = placerNumber(group, obr, msh);
    if (placers.has(`${placer.system}|${placer.value}`)) {
      throw refuse.invalid(group.orc.at(2), `placer order number ${placer.value} occurs twice in the message`);
    }
    placers.add(`${placer.system}|${placer.value}`);
    const practitioner = orderingPractitioner(group.orc, obr);
    const organization = orderingOrganization(group.orc, msh);
    const practitionerUrl =
      practitioner && entries.partyOrReference(`practitioner-${practitioner.identifier.value}`, practitioner);
    const organizationUrl =
      organization &&
      entries.partyOrReference(
        `organization-${organization.identifier.system}|${organization.identifier.value}`,
        organization,
      );
    // The organisation first: a hospital's care relation with the client (what it may read and write of him, the
    // access policy's care-relation scope) rests on orders whose requester is the organisation itself.
    const requester =
      organizationUrl ??
      practitionerUrl ??
      (context.sender ? referenceByIdentifier('Organization', context.sender) : undefined);
    if (!requester) {
      throw refuse.missing(
        group.orc.at(12),
        `order ${group.number} names no ordering provider with an AGB (ORC-12 / OBR-16) and no ordering ` +
          'organisation with an AGB or URA (ORC-21 / MSH-4)',
      );
    }
    const request = mapOrder(group, obr, msh, { subject: patient, requester, insurance });
    entries.thing(`order-${group.number}`, request, placer);
  }
  // The Coverages after the orders: a hospital may write a client's insurance only within its care relation, which
  // the order in this very transaction makes (for a client it did not order for before).
  const isCoverage = (entry: BundleEntry) => entry.resource?.resourceType === 'Coverage';
  const entry = [...entries.list.filter((e) => !isCoverage(e)), ...entries.list.filter(isCoverage)];
  return { key, time, bundle: { resourceType: 'Bundle', type: 'transaction', entry } };
}

/** The Bundle's entries, each party once (the same practitioner on two orders is one entry). */
class Entries {
  readonly list: BundleEntry[] = [];
  private readonly parts = new Map<string, string>();

  constructor(private readonly key: string) {}

  party(part: string, resource: Resource, identifier: Identifier): string {
    const fullUrl = urnFor(this.key, part);
    if (!this.parts.has(part)) {
      this.list.push(createIfAbsent(fullUrl, resource, identifier));
      this.parts.set(part, fullUrl);
    }
    return fullUrl;
  }

  /** A party that can be created (it has a name where its profile needs one), else a reference by identifier. */
  partyOrReference<T extends Resource>(part: string, party: Party<T>): string {
    const nameless = party.resource.resourceType === 'Organization' && !('name' in party.resource);
    if (nameless) {
      return referenceByIdentifier(party.resource.resourceType, party.identifier);
    }
    return this.party(part, party.resource, party.identifier);
  }

  thing(part: string, resource: Resource, identifier: Identifier): string {
    const fullUrl = urnFor(this.key, part);
    this.list.push(createOrUpdate(fullUrl, resource, identifier));
    return fullUrl;
  }
}
