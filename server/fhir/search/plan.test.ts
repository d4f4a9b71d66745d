// The planner, pinned by its explain lines: a planner change is a visible diff here.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../definitions.js';
import { storedResourceTypes } from '../../storage/pg/resource-tables.js';
import { explainPlan } from './explain.js';
import { parseSearch } from './parse.js';
import { planSearch } from './plan.js';

let stored: Set<string>;
beforeAll(() => {
  loadDefinitions();
  stored = new Set(storedResourceTypes());
});

function explain(url: string, compartmentPatientId?: string): string {
  const [type, query] = url.split('?');
  return explainPlan(
    planSearch(parseSearch([type], new URLSearchParams(query), stored), {
      compartmentPatientId,
      baseUrl: 'http://hub.test',
    }),
  );
}

describe('planSearch', () => {
  it.each([
    [
      'Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120',
      'Patient where tokens any {identifier|http://fhir.nl/fhir/NamingSystem/bsn|999911120}; order id asc; limit 20',
    ],
    [
      'Patient?gender=male,female&gender:missing=false',
      'Patient where (tokens any {gender#male, gender#female} AND tokens any {?gender}); order id asc; limit 20',
    ],
    ['Patient?name=Ján', 'Patient where string name prefix "jan"; order id asc; limit 20'],
    // birthDate has one value per Patient: both clauses are checked on that value, in one index range.
    [
      'Patient?birthdate=ge1954-03-01&birthdate=lt1954-04-01',
      'Patient where date birthdate ge[1954-03-01T00:00:00.000Z,1954-03-02T00:00:00.000Z) and lt[1954-04-01T00:00:00.000Z,1954-04-02T00:00:00.000Z); order id asc; limit 20',
    ],
    // A Goal has several targets: each clause may be met by another one, so they stay apart.
    [
      'Goal?target-date=ge2026-03-01&target-date=lt2026-02-01',
      'Goal where (date target-date ge[2026-03-01T00:00:00.000Z,2026-03-02T00:00:00.000Z) AND date target-date lt[2026-02-01T00:00:00.000Z,2026-02-02T00:00:00.000Z)); order id asc; limit 20',
    ],
    [
      'DeviceRequest?subject=http://hub.test/Patient/p1&_include=DeviceRequest:device',
      'DeviceRequest where reference subject -> Patient/p1; order id asc; limit 20; include DeviceRequest:device',
    ],
    [
      'Patient?_has:Coverage:beneficiary:status=active&_sort=-birthdate&_count=5',
      'Patient where referenced by Coverage.beneficiary where tokens any {status#active}; order birthdate desc, id asc; limit 5',
    ],
    [
      'Observation?value-quantity=gt5.4|http://unitsofmeasure.org|mg&_total=accurate',
      'Observation where quantity value-quantity gt[5.35,5.45) http://unitsofmeasure.org|mg; order id asc; limit 20; total accurate',
    ],
  ])('plans %s', (url, line) => {
    expect(explain(url)).toBe(line);
  });

  it('adds the compartment to a compartment search', () => {
    expect(explain('DeviceRequest?status=active', 'p1')).toMatch(
      /^DeviceRequest where \(compartment Patient key [0-9a-f-]{36} AND tokens any \{status#active\}\)/,
    );
  });
});
