// Delegation (machtigen), which MedMij lacks: a client authorises a RelatedPerson (a daughter, an informal carer, a
// legal representative) for chosen data services, read-only or also to correct, for a period. It is recorded as a
// FHIR Consent (category delegation, the RelatedPerson as agent). The delegate logs in as herself; the delegations
// naming a RelatedPerson with her BSN are what she can pick from, and a PGO grant she gives rests on both Consents.
import type { Consent, Patient } from '@medplum/fhirtypes';
import { errors } from '../../server/errors.js';
import type { Repository } from '../../server/contracts/repository.js';
import { DATA_SERVICE_SYSTEM, dataService } from '../data-services.js';

const CATEGORY_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/consent-category';
const HUB_CONSENT = 'https://zorghub.example.org/fhir/StructureDefinition/hub-Consent';
const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

interface DelegationRequest {
  relatedPerson: string;
  dataServices: string[];
  /** `read` (access) or `read` and `update` (access and correct). */
  interactions: ('read' | 'update')[];
  /**
   * With `update`: the elements she may change, as `Type.element` (`SupplyRequest.occurrence[x]`), each one the
   * delegated data services let a client change; absent: all of those.
   */
  changes?: string[];
  end?: string;
}

/** The code system of the elements a delegation lets a delegate change (`Type.element`). */
export const CHANGEABLE_ELEMENT_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/changeable-element';

export interface Delegation {
  consentId: string;
  patient: string;
  actor: string;
  dataServices: string[];
  readOnly: boolean;
}

/** Checks a person's request to delegate and records it; the RelatedPerson must be one of his own. */
export async function recordDelegation(
  repository: Repository,
  patient: string,
  body: unknown,
  now: Date,
): Promise<Consent> {
  const request = body as Partial<DelegationRequest> | undefined;
  const match = /^RelatedPerson\/([A-Za-z0-9\-.]{1,64})$/.exec(request?.relatedPerson ?? '');
  if (!match) {
    throw errors.badParameter('relatedPerson must be RelatedPerson/<id>');
  }
  const services = request?.dataServices ?? [];
  if (!Array.isArray(services) || !services.length || services.some((s) => !dataService(s))) {
    throw errors.badParameter("dataServices must name at least one of the hub's data services");
  }
  const interactions = request?.interactions ?? ['read'];
  if (!interactions.includes('read') || interactions.some((i) => i !== 'read' && i !== 'update')) {
    throw errors.badParameter('interactions must be ["read"] or ["read", "update"]');
  }
  const changes = interactions.includes('update') ? delegatedChanges(services, request?.changes) : [];
  if (request?.end !== undefined && !(Date.parse(request.end) > now.getTime())) {
    throw errors.badParameter('end must be a date-time in the future');
  }
  const related = JSON.parse((await repository.read('RelatedPerson', match[1])).json) as {
    patient?: { reference?: string };
  };
  if (related.patient?.reference !== patient) {
    throw errors.notFound(request!.relatedPerson!);
  }
  const consent: Consent = {
    resourceType: 'Consent',
    meta: { profile: [HUB_CONSENT] },
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: CATEGORY_SYSTEM, code: 'delegation' }] }],
    patient: { reference: patient },
    dateTime: now.toISOString(),
    performer: [{ reference: patient }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      period: { start: now.toISOString(), ...(request?.end ? { end: request.end } : {}) },
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass', code: 'AGNT' }] },
          reference: { reference: request!.relatedPerson },
        },
      ],
      action: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] },
        ...(interactions.includes('update') ? [CORRECT] : []),
      ],
      class: services.map((code) => ({ system: DATA_SERVICE_SYSTEM, code })),
      // What "correct" covers: these elements and no others (decide.ts narrows her update rights to them).
      ...(changes.length
        ? {
            provision: [
              {
                type: 'permit' as const,
                action: [CORRECT],
                code: [{ coding: changes.map((code) => ({ system: CHANGEABLE_ELEMENT_SYSTEM, code })) }],
              },
            ],
          }
        : {}),
    },
  };
  return JSON.parse((await repository.create(consent)).version.json) as Consent;
}

const CORRECT = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'correct' }] };

/** The elements asked for, each one the delegated services let a client change; all of those when none are asked. */
function delegatedChanges(services: string[], asked: unknown): string[] {
  const allowed = services.flatMap((id) =>
    Object.entries(dataService(id)?.changeable ?? {}).flatMap(([type, elements]) =>
      elements.map((e) => `${type}.${e}`),
    ),
  );
  if (asked === undefined) {
    if (allowed.length === 0)
      throw errors.badParameter(
        `interactions "update": the data services ${services.join(', ')} let a client change nothing`,
      );
    return allowed;
  }
  if (!Array.isArray(asked) || asked.length === 0 || asked.some((e) => typeof e !== 'string' || !allowed.includes(e))) {
    throw errors.badParameter(
      `changes must name elements the delegated data services let a client change: ${allowed.join(', ') || '(none)'}`,
    );
  }
  return [...new Set(asked as string[])];
}

/**
 * The elements a delegation Consent lets its delegate change (the codes of its nested `correct` provision), or
 * undefined for one recorded before delegations named elements (then the data services' own: decide.ts).
 */
export function delegatedElements(consent: Consent): string[] | undefined {
  const nested = (consent.provision?.provision ?? []).filter(
    (p) => p.type === 'permit' && p.action?.some((a) => a.coding?.some((c) => c.code === 'correct')),
  );
  if (nested.length === 0) return undefined;
  return nested.flatMap((p) =>
    (p.code ?? []).flatMap((code) =>
      (code.coding ?? []).filter((c) => c.system === CHANGEABLE_ELEMENT_SYSTEM && c.code).map((c) => c.code!),
    ),
  );
}

/** The active delegations a person with this BSN holds as a RelatedPerson, now. */
export async function delegationsFor(repository: Repository, bsn: string, now: Date): Promise<Delegation[]> {
  const found: Delegation[] = [];
  for (const relatedId of await repository.findIds('RelatedPerson', `identifier=${BSN_SYSTEM}|${bsn}`, 20)) {
    const actor = `RelatedPerson/${relatedId}`;
    const ids = await repository.findIds(
      'Consent',
      `actor=${actor}&category=${CATEGORY_SYSTEM}|delegation&status=active`,
      50,
    );
    for (const id of ids) {
      const consent = JSON.parse((await repository.read('Consent', id)).json) as Consent;
      const end = consent.provision?.period?.end;
      if (
        (end && Date.parse(end) <= now.getTime()) ||
        consent.provision?.type !== 'permit' ||
        !consent.patient?.reference
      ) {
        continue;
      }
      found.push({
        consentId: id,
        patient: consent.patient.reference,
        actor,
        dataServices: (consent.provision.class ?? [])
          .filter((c) => c.system === DATA_SERVICE_SYSTEM && c.code)
          .map((c) => c.code!),
        readOnly: !(consent.provision.action ?? []).some((a) => a.coding?.some((c) => c.code === 'correct')),
      });
    }
  }
  return found;
}

/** A client's name for the picker and the consent screen. */
export async function patientName(repository: Repository, reference: string): Promise<string> {
  try {
    const patient = JSON.parse((await repository.read('Patient', reference.replace(/^Patient\//, ''))).json) as Patient;
    const name = patient.name?.[0];
    return name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ') ?? reference;
  } catch {
    return reference;
  }
}
