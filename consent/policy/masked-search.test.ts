import { describe, expect, it } from 'vitest';
import type { HubError } from '../../server/errors.js';
import { loadDefinitions } from '../../server/fhir/definitions.js';
import { searchParameter } from '../../server/fhir/search/parameters.js';
import { parseSearch } from '../../server/fhir/search/parse.js';
import { planSearch } from '../../server/fhir/search/plan.js';
import { storedResourceTypeSet } from '../../server/storage/pg/resource-tables.js';
import { PrincipalAccess } from '../access/principal-access.js';
import type { Decision } from './decide.js';
import {
  elementsRead,
  findHiddenUse,
  type HiddenElements,
  hiddenByMask,
  hiddenSearchParameters,
  hiddenUseError,
  maskHiddenElements,
} from './masked-search.js';

loadDefinitions();

const hiddenCodes = (type: string, hidden: ReadonlySet<string>) =>
  [...hiddenSearchParameters(type, hidden).keys()].sort();
const read = (type: string, code: string) =>
  [...(elementsRead(type, searchParameter(type, code)?.definition) ?? ['?'])].sort();

describe('which search parameters a mask hides', () => {
  it('hides birth date, gender and identifier of a Patient under delivery, and keeps name, address and telecom', () => {
    const hidden = hiddenCodes('Patient', maskHiddenElements('delivery', 'Patient')!);
    expect(hidden).toEqual([
      'active',
      'birthdate',
      'death-date',
      'deceased',
      'gender',
      'general-practitioner',
      'identifier',
      'language',
      'link',
      'organization',
    ]);
    for (const kept of [
      'name',
      'family',
      'given',
      'phonetic',
      'address',
      'address-city',
      'phone',
      'email',
      'telecom',
      '_id',
      '_lastUpdated',
      '_tag',
      '_profile',
      '_security',
    ]) {
      expect(hidden, kept).not.toContain(kept);
    }
  });

  it('hides phone, email and telecom of a Patient under administrative, and keeps birth date, gender and identifier', () => {
    expect(hiddenCodes('Patient', maskHiddenElements('administrative', 'Patient')!)).toEqual([
      'email',
      'general-practitioner',
      'language',
      'link',
      'organization',
      'phone',
      'telecom',
    ]);
  });

  it("hides the order's requester, insurance and history under delivery, and keeps what delivery needs", () => {
    const hidden = hiddenCodes('DeviceRequest', maskHiddenElements('delivery', 'DeviceRequest')!);
    expect(hidden).toEqual([
      'based-on',
      'encounter',
      'group-identifier',
      'instantiates-canonical',
      'instantiates-uri',
      'insurance',
      'prior-request',
      'requester',
    ]);
    expect(hiddenCodes('SupplyRequest', maskHiddenElements('delivery', 'SupplyRequest')!)).toEqual([]);
    expect(hiddenCodes('Device', maskHiddenElements('delivery', 'Device')!)).toEqual(['url']);
  });

  it('has no hidden elements where the mask keeps the type whole', () => {
    expect(maskHiddenElements('delivery', 'SupplyDelivery')).toBeUndefined();
    expect(maskHiddenElements('administrative', 'DeviceRequest')).toBeUndefined();
  });

  it('reads the first step after the type, with choices expanded or narrowed by as / ofType', () => {
    expect(read('Patient', 'birthdate')).toEqual(['birthDate']);
    expect(read('Patient', 'phone')).toEqual(['telecom']); // Patient.telecom.where(system = 'phone')
    expect(read('Patient', 'death-date')).toEqual(['deceasedDateTime']); // (Patient.deceased as dateTime)
    expect(read('Patient', 'deceased')).toEqual(['deceasedBoolean', 'deceasedDateTime']);
    expect(read('Patient', '_tag')).toEqual(['meta']);
    expect(read('DeviceRequest', 'code')).toEqual(['codeCodeableConcept']);
    expect(read('DeviceRequest', 'event-date')).toEqual(['occurrenceDateTime', 'occurrencePeriod']);
    expect(read('SupplyRequest', 'occurrence')).toEqual(['occurrenceDateTime', 'occurrencePeriod', 'occurrenceTiming']); // the hub's own
    expect(read('Device', 'holder')).toEqual(['extension']); // Device.extension('...').value, the hub's own
    expect(read('Observation', 'code-value-concept')).toEqual(['code', 'valueCodeableConcept']); // a composite on the resource
    expect(read('Observation', 'combo-code-value-concept')).toEqual(['code', 'component', 'valueCodeableConcept']);
  });

  it("works from any hidden set, not only a mask's, and hides a choice if any of its types is hidden", () => {
    // e.g. AuditEvent.entity for readers who may not see whom a record names: `patient` reads it through where(resolve() is Patient).
    expect(hiddenCodes('AuditEvent', new Set(['entity']))).toEqual([
      'entity',
      'entity-name',
      'entity-role',
      'entity-type',
      'patient',
    ]);
    expect(hiddenCodes('SupplyRequest', new Set(['occurrencePeriod']))).toEqual(['occurrence']);
    expect(hiddenSearchParameters('Patient', new Set()).size).toBe(0);
  });

  it('compiles once per hidden set and type', () => {
    const hidden = maskHiddenElements('delivery', 'Patient')!;
    expect(maskHiddenElements('delivery', 'Patient')).toBe(hidden);
    expect(hiddenSearchParameters('Patient', hidden)).toBe(hiddenSearchParameters('Patient', hidden));
  });

  it('names the hidden element each parameter reads', () => {
    expect(hiddenSearchParameters('Patient', maskHiddenElements('delivery', 'Patient')!).get('birthdate')).toEqual({
      code: 'birthdate',
      stored: 'birthdate',
      element: 'birthDate',
    });
  });
});

// A supplier: delivery on Patient, DeviceRequest, SupplyRequest and Device; everything else unmasked.
const DELIVERY = new Set(['Patient', 'DeviceRequest', 'SupplyRequest', 'Device']);
const supplier: HiddenElements = (type) => (DELIVERY.has(type) ? maskHiddenElements('delivery', type) : undefined);
const plan = (type: string, query: string) =>
  planSearch(parseSearch([type], new URLSearchParams(query), storedResourceTypeSet()));
const use = (type: string, query: string, hidden = supplier, nested = hidden) =>
  findHiddenUse(plan(type, query), hidden, nested);

describe('finding a hidden element in a search Plan', () => {
  it.each([
    ['Patient', 'birthdate=1941-03-12', 'Patient', 'birthdate', 'birthdate'],
    ['Patient', 'name=x&gender=female,male', 'Patient', 'gender', 'gender'],
    ['Patient', 'identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120', 'Patient', 'identifier', 'identifier'],
    [
      'Patient',
      'identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NNNLD|1',
      'Patient',
      'identifier',
      'identifier',
    ],
    ['Patient', 'gender:missing=true', 'Patient', 'gender', 'gender'],
    ['Patient', 'gender:not=male', 'Patient', 'gender', 'gender'],
    ['Patient', 'language:text=nl', 'Patient', 'language', 'language'],
    ['Patient', 'organization:identifier=urn:x|1', 'Patient', 'organization', 'organization'],
    ['Patient', 'birthdate:missing=false', 'Patient', 'birthdate', 'birthdate'],
    ['DeviceRequest', 'subject:Patient.birthdate=1941-03-12', 'Patient', 'birthdate', 'birthdate'],
    ['DeviceRequest', 'subject.gender=female', 'Patient', 'gender', 'gender'],
    ['DeviceRequest', 'insurance:Coverage.status=active', 'DeviceRequest', 'insurance', 'insurance'],
    ['SupplyDelivery', 'based-on:SupplyRequest.subject:Patient.birthdate=1941', 'Patient', 'birthdate', 'birthdate'],
    ['Patient', '_has:DeviceRequest:subject:requester=Organization/x', 'DeviceRequest', 'requester', 'requester'],
    ['Organization', '_has:Patient:organization:name=x', 'Patient', 'organization', 'organization'],
    ['Patient', '_sort=name,-birthdate', 'Patient', 'birthdate', '_sort=-birthdate'],
    [
      'DeviceRequest',
      '_include=DeviceRequest:requester',
      'DeviceRequest',
      'requester',
      '_include=DeviceRequest:requester',
    ],
    ['DeviceRequest', '_include=DeviceRequest:*', 'DeviceRequest', 'encounter', '_include=DeviceRequest:*'],
    ['Organization', '_revinclude=Patient:organization', 'Patient', 'organization', '_revinclude=Patient:organization'],
    [
      'SupplyRequest',
      '_include:iterate=Patient:general-practitioner',
      'Patient',
      'general-practitioner',
      '_include:iterate=Patient:general-practitioner',
    ],
    ['Patient', '_elements=name,birthDate', 'Patient', '_elements', '_elements=birthDate'],
    ['Patient', '_elements=deceased', 'Patient', '_elements', '_elements=deceased'],
    ['Patient', 'birthdate=1941&_summary=count', 'Patient', 'birthdate', 'birthdate'],
  ])('%s?%s uses %s %s', (type, query, resourceType, parameter, usage) => {
    expect(use(type, query)).toMatchObject({ resourceType, parameter, usage });
  });

  it.each([
    ['Patient', 'name=x&address-city=Zwolle&phone=06&email=a@b&telecom=x&_id=c0&_lastUpdated=ge2020&_tag=x'],
    ['Patient', '_sort=name&_elements=name,telecom&_summary=true'],
    ['SupplyRequest', 'status=active&occurrence=ge2026&subject:Patient.name=x&_include=SupplyRequest:subject'],
    ['DeviceRequest', 'subject:Patient.phone=06&_revinclude=SupplyDelivery:patient&_include=DeviceRequest:performer'],
    ['Patient', '_has:DeviceRequest:subject:status=active&_revinclude=Device:patient'],
    ['SupplyDelivery', 'status=completed&supplier=Organization/s0'],
    ['Coverage', 'status=active'],
  ])('%s?%s uses nothing hidden', (type, query) => {
    expect(use(type, query)).toBeUndefined();
  });

  it('checks chained, _has and included types against the nested lookup', () => {
    const none: HiddenElements = () => undefined;
    expect(use('DeviceRequest', 'subject:Patient.birthdate=1941', none, supplier)).toMatchObject({
      parameter: 'birthdate',
    });
    expect(use('Patient', 'birthdate=1941', none, supplier)).toBeUndefined();
    expect(use('Patient', '_revinclude=DeviceRequest:requester', none, supplier)).toMatchObject({
      parameter: 'requester',
    });
  });

  it("takes the mask from the caller's permit", () => {
    const decisions: Record<string, Decision> = {
      Patient: { effect: 'permit', rule: 'r', scope: { kind: 'everything' }, mask: 'administrative' },
      Coverage: { effect: 'permit', rule: 'r', scope: { kind: 'everything' } },
    };
    const financier = hiddenByMask((type) => decisions[type] ?? { effect: 'deny', reason: 'no' });
    expect(financier('Patient')).toBe(maskHiddenElements('administrative', 'Patient'));
    expect(financier('Coverage')).toBeUndefined();
    expect(financier('CarePlan')).toBeUndefined();
    expect(findHiddenUse(plan('Coverage', 'beneficiary:Patient.phone=06'), financier)).toMatchObject({
      resourceType: 'Patient',
      parameter: 'phone',
    });
  });
});

describe('the refusal', () => {
  it('is a 403 naming the parameter and the element', () => {
    const error = hiddenUseError(use('Patient', 'birthdate=1941-03-12')!) as HubError;
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('HUB_ERR_AUTH_INSUFFICIENT_SCOPE');
    expect(error.message).toBe(
      'Not allowed: the search parameter birthdate of Patient reads Patient.birthDate, which this caller may not see',
    );
    expect(error.expression).toEqual(['birthdate']);
    expect(hiddenUseError(use('Patient', '_elements=gender')!).message).toBe(
      'Not allowed: _elements=gender names Patient.gender, which this caller may not see',
    );
  });

  it("refuses, through the storage's read filter, conditional criteria on what the caller may not see", () => {
    const supplierAccess = new PrincipalAccess({
      kind: 'system',
      clientId: 's',
      role: 'supplier',
      organization: { system: 'https://www.gs1.org/gln', value: '1' },
      dataServices: [],
      tokenId: 't',
    });
    const check = (type: string, criteria: string) => {
      const [{ where }] = planSearch(parseSearch([type], new URLSearchParams(criteria), storedResourceTypeSet())).types;
      return () => supplierAccess.readFilter().checkCriteria!(type, where);
    };
    expect(check('Device', 'url=http://x')).toThrow(/search parameter url of Device/);
    expect(check('Device', 'identifier=x&patient:Patient.birthdate=1941')).toThrow(/birthdate of Patient/);
    expect(check('Patient', 'name=x')).not.toThrow();
  });
});
