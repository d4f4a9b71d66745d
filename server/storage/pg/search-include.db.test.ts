// The include path of a search (search.ts, `included` and `follow`): which resources _include and _revinclude add,
// by each of its three ways to find them (a reference with a few possible target types read in one statement, one
// with many looked up first, the referencing resources of a _revinclude), over :iterate rounds, without repeats,
// without deleted resources and within what the caller may see.
import type { Coverage, DeviceRequest, Organization, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.js';
import type { AccessFilter } from '../../contracts/access-filter.js';
import type { Condition } from '../../contracts/condition.js';
import { loadDefinitions } from '../../fhir/definitions.js';
import { parseSearch } from '../../fhir/search/parse.js';
import { planSearch } from '../../fhir/search/plan.js';
import type { StorageRepository } from '../storage-repository.js';
import { PgRepository } from './pg-repository.js';
import { storedResourceTypeSet } from './resource-tables.js';

loadDefinitions();
const db = await createTestDatabase();
const repository = new PgRepository(db.sql);

async function make<T extends Resource>(resource: T): Promise<string> {
  const { version } = await repository.create(resource);
  return version.id;
}

const supplier = await make<Organization>({ resourceType: 'Organization', name: 'Welzorg' });
const insurer = await make<Organization>({ resourceType: 'Organization', name: 'Zilveren Kruis' });
const doctor = await make<Practitioner>({ resourceType: 'Practitioner', name: [{ family: 'Jansen' }] });
const anna = await make<Patient>({ resourceType: 'Patient', name: [{ family: 'de Vries' }] });
const bram = await make<Patient>({ resourceType: 'Patient', name: [{ family: 'Bakker' }] });
const coverage = await make<Coverage>({
  resourceType: 'Coverage',
  status: 'active',
  beneficiary: { reference: `Patient/${anna}` },
  payor: [{ reference: `Organization/${insurer}` }],
});
const order = (subject: string, performer: string, extra: Partial<DeviceRequest> = {}): DeviceRequest => ({
  resourceType: 'DeviceRequest',
  status: 'active',
  intent: 'order',
  subject: { reference: `Patient/${subject}` },
  codeCodeableConcept: { text: 'rolstoel' },
  performer: { reference: performer },
  ...extra,
});
const first = await make(
  order(anna, `Organization/${supplier}`, { insurance: [{ reference: `Coverage/${coverage}` }] }),
);
const second = await make(order(anna, `Organization/${supplier}`));
const third = await make(order(bram, `Practitioner/${doctor}`));
const withdrawn = await make(order(bram, `Organization/${supplier}`));
await repository.delete('DeviceRequest', withdrawn);

const plan = (type: string, query: string) =>
  planSearch(parseSearch([type], new URLSearchParams(query), storedResourceTypeSet()));

async function search(type: string, query: string, on: StorageRepository = repository) {
  const result = await on.search(plan(type, query));
  return {
    matches: result.matches.map((v) => `${v.resourceType}/${v.id}`).sort(),
    included: result.included.map((v) => `${v.resourceType}/${v.id}`).sort(),
    truncated: result.includedTruncated ?? false,
  };
}

describe('_include', () => {
  it('reads the target of a reference with few target types in the same statement (subject: Patient or Group)', async () => {
    const { included } = await search('DeviceRequest', `_id=${first},${third}&_include=DeviceRequest:subject`);
    expect(included).toEqual([`Patient/${anna}`, `Patient/${bram}`].sort());
  });

  it('looks up first which targets a reference of many target types has (performer), then reads them', async () => {
    const { included } = await search('DeviceRequest', `_id=${first},${third}&_include=DeviceRequest:performer`);
    expect(included).toEqual([`Organization/${supplier}`, `Practitioner/${doctor}`].sort());
  });

  it('keeps to the target type named in the rule', async () => {
    const { included } = await search(
      'DeviceRequest',
      `_id=${first},${third}&_include=DeviceRequest:performer:Practitioner`,
    );
    expect(included).toEqual([`Practitioner/${doctor}`]);
  });

  it('includes a target named by several matches once', async () => {
    const { matches, included } = await search(
      'DeviceRequest',
      `subject=Patient/${anna}&_include=DeviceRequest:performer`,
    );
    expect(matches).toHaveLength(2);
    expect(included).toEqual([`Organization/${supplier}`]);
  });

  it('follows every reference parameter of the source type with `*`', async () => {
    const { included } = await search('DeviceRequest', `_id=${first}&_include=DeviceRequest:*`);
    expect(included).toEqual(
      expect.arrayContaining([`Patient/${anna}`, `Organization/${supplier}`, `Coverage/${coverage}`]),
    );
  });

  it(':iterate follows what the round before added; without it the second step is not taken', async () => {
    const iterated = await search(
      'DeviceRequest',
      `_id=${first}&_include=DeviceRequest:insurance&_include:iterate=Coverage:payor`,
    );
    expect(iterated.included).toEqual([`Coverage/${coverage}`, `Organization/${insurer}`].sort());
    const once = await search('DeviceRequest', `_id=${first}&_include=DeviceRequest:insurance&_include=Coverage:payor`);
    expect(once.included).toEqual([`Coverage/${coverage}`]);
  });
});

describe('_revinclude', () => {
  it('reads the current resources that reference a match, and no deleted one', async () => {
    const { included, truncated } = await search('Organization', `_id=${supplier}&_revinclude=DeviceRequest:performer`);
    expect(included).toEqual([`DeviceRequest/${first}`, `DeviceRequest/${second}`].sort());
    expect(included).not.toContain(`DeviceRequest/${withdrawn}`);
    expect(truncated).toBe(false);
  });

  it('does not repeat a match that an iteration reaches again', async () => {
    const { matches, included } = await search(
      'Patient',
      `_id=${anna}&_revinclude=DeviceRequest:subject&_include:iterate=DeviceRequest:subject`,
    );
    expect(matches).toEqual([`Patient/${anna}`]);
    expect(included).toEqual([`DeviceRequest/${first}`, `DeviceRequest/${second}`].sort());
  });
});

describe('what the caller may see', () => {
  // An access filter as the consent layer hands one to the storage: per type a Condition, here an id list.
  const only = (visible: Record<string, string[]>): AccessFilter => ({
    condition: (type): Condition => (visible[type] ? { kind: 'id', ids: visible[type] } : { kind: 'true' }),
  });

  it('leaves out an included resource outside the access condition, by each way of finding it', async () => {
    const narrowed = repository.withAccess(only({ Organization: [insurer], Patient: [bram] }));
    const lookedUp = await search('DeviceRequest', `_id=${first},${third}&_include=DeviceRequest:performer`, narrowed);
    expect(lookedUp.included).toEqual([`Practitioner/${doctor}`]);
    const direct = await search('DeviceRequest', `_id=${first},${third}&_include=DeviceRequest:subject`, narrowed);
    expect(direct.included).toEqual([`Patient/${bram}`]);
    const iterated = await search(
      'DeviceRequest',
      `_id=${first}&_include=DeviceRequest:insurance&_include:iterate=Coverage:payor`,
      narrowed,
    );
    expect(iterated.included).toEqual([`Coverage/${coverage}`, `Organization/${insurer}`].sort());
  });

  it('leaves out referencing resources outside the access condition', async () => {
    const narrowed = repository.withAccess(only({ DeviceRequest: [second] }));
    const { included } = await search('Organization', `_id=${supplier}&_revinclude=DeviceRequest:performer`, narrowed);
    expect(included).toEqual([`DeviceRequest/${second}`]);
  });

  it('includes nothing of a type the caller may not see at all', async () => {
    const none = repository.withAccess({
      condition: (type) => (type === 'Organization' ? { kind: 'false' } : { kind: 'true' }),
    });
    const { matches, included } = await search('DeviceRequest', `_id=${first}&_include=DeviceRequest:performer`, none);
    expect(matches).toEqual([`DeviceRequest/${first}`]);
    expect(included).toEqual([]);
  });
});
