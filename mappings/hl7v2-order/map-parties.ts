// The parties around an order, each only when the message identifies it: the ordering practitioner by AGB (ORC-12,
// else OBR-16), the ordering organisation by AGB or URA (ORC-21, else MSH-4) and the insurer by UZOVI (IN1-3).
import type { Identifier, Organization, Practitioner } from '@medplum/fhirtypes';
import { HUB_CODE_SYSTEM, HUB_PROFILE } from './code-maps.js';
import { refuse } from './errors.js';
import type { Rep, Seg } from './hl7-read.js';
import { hdId, identifierOf, type RegisterId, wellFormed, xcnId, xonId } from './identifiers.js';
import { compact, contactPoint, humanName, mapAddress, XCN } from './map-person.js';

export interface Party<T> {
  readonly resource: T;
  readonly identifier: Identifier;
}

/** The ordering practitioner with an AGB code: the first XCN of ORC-12, else of OBR-16, that has one. */
export function orderingPractitioner(orc: Seg, obr: Seg): Party<Practitioner> | undefined {
  for (const [seg, field] of [
    [orc, 12],
    [obr, 16],
  ] as const) {
    for (const rep of seg.reps(field)) {
      const id = xcnId(rep);
      if (id?.register !== 'agb') {
        continue;
      }
      checked(id, seg.at(field));
      const name = humanName(rep, XCN);
      const identifier = identifierOf(id);
      const resource: Practitioner = compact({
        resourceType: 'Practitioner',
        identifier: [identifier],
        name: name.family || name.given ? [name] : undefined,
      });
      return { resource, identifier };
    }
  }
  return undefined;
}

/** The ordering organisation with an AGB or URA: ORC-21 (with ORC-22 address, ORC-23 phone), else MSH-4. */
export function orderingOrganization(orc: Seg, msh: Seg): Party<Organization> | undefined {
  for (const rep of orc.reps(21)) {
    const id = xonId(rep);
    if (id?.register === 'agb' || id?.register === 'ura') {
      checked(id, orc.at(21));
      return careProvider(id, rep.get(1), orc);
    }
  }
  const facility = msh.rep(4);
  const id = facility ? hdId(facility) : undefined;
  if (facility && id) {
    checked(id, msh.at(4));
    return careProvider(id, facility.get(1));
  }
  return undefined;
}

/** An organisation without a name cannot be created (hub-Organization name 1..1): it is then only referred to. */
function careProvider(id: RegisterId, name: string | undefined, orc?: Seg): Party<Organization> {
  const identifier = identifierOf(id);
  const resource: Organization = compact({
    resourceType: 'Organization',
    meta: { profile: [`${HUB_PROFILE}hub-Organization`] },
    identifier: [identifier],
    type: [role('care-provider', 'Care provider')],
    name,
    telecom: orc?.reps(23).flatMap((rep) => contactPoint(rep, 'work') ?? []),
    address: orc?.reps(22).map(mapAddress),
  });
  return { resource, identifier };
}

/** The insurer of an IN1 by its UZOVI code (IN1-3), named by IN1-4, with IN1-5 address and IN1-7 phone. */
export function insurer(in1: Seg, uzovi: string): Party<Organization> {
  const identifier: Identifier = identifierOf({ register: 'uzovi', value: uzovi });
  const resource: Organization = compact({
    resourceType: 'Organization',
    meta: { profile: [`${HUB_PROFILE}hub-Organization`] },
    identifier: [identifier],
    type: [role('health-insurer', 'Health insurer')],
    name: in1.value(4),
    telecom: in1.reps(7).flatMap((rep: Rep) => contactPoint(rep, 'work') ?? []),
    address: in1.reps(5).map(mapAddress),
  });
  return { resource, identifier };
}

function role(code: string, display: string) {
  return { coding: [{ system: `${HUB_CODE_SYSTEM}organisation-role`, code, display }] };
}

function checked(id: RegisterId, location: string): void {
  if (!wellFormed(id)) {
    throw refuse.invalid(location, `${id.register.toUpperCase()} code ${id.value} must have 8 digits`);
  }
}
