// A hospital EHR and a PGO as real FHIR clients (fhir-kit-client) over a socket: the core REST interactions end to end.
import type {
  Bundle,
  CapabilityStatement,
  Coverage,
  DeviceRequest,
  OperationOutcome,
  Patient,
  SupplyRequest,
} from '@medplum/fhirtypes';
import { Client, type FhirResource } from 'fhir-kit-client';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/app.js';

const { baseUrl, adminToken } = await startTestServer();
const client = new Client({ baseUrl, bearerToken: await adminToken() });

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

function patient(bsn: string, family: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family, given: ['Anna'] }],
    birthDate: '1941-03-12',
    address: [{ line: ['Dorpsstraat 1'], city: 'Zwolle', postalCode: '8011 AA', country: 'NL' }],
  };
}

async function failureStatus(promise: Promise<unknown>): Promise<{ status: number; outcome: OperationOutcome }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response: { status: number; data: OperationOutcome } }).response;
    return { status: response.status, outcome: response.data };
  }
  throw new Error('expected the request to fail');
}

describe('the hub through fhir-kit-client', () => {
  it('publishes a CapabilityStatement that offers the interactions it serves, search included', async () => {
    const statement = (await client.capabilityStatement()) as unknown as CapabilityStatement;
    const patientResource = statement.rest?.[0].resource?.find((r) => r.type === 'Patient');
    expect(patientResource?.interaction?.map((i) => i.code)).toEqual(
      expect.arrayContaining([
        'read',
        'vread',
        'update',
        'patch',
        'delete',
        'history-instance',
        'history-type',
        'create',
        'search-type',
      ]),
    );
    expect(patientResource?.searchParam?.map((p) => p.name)).toContain('identifier');
    expect(statement.rest?.[0].interaction?.map((i) => i.code)).toEqual([
      'transaction',
      'batch',
      'history-system',
      'search-system',
    ]);
  });

  it('creates, reads, updates with If-Match, patches, lists history and deletes a Patient', async () => {
    const created = (await client.create({
      resourceType: 'Patient',
      body: patient('123456782', 'Jansen') as unknown as FhirResource,
    })) as unknown as Patient;
    expect(created.meta?.versionId).toBe('1');
    const read = (await client.read({ resourceType: 'Patient', id: created.id! })) as unknown as Patient;
    expect(read).toEqual(created);

    const updated = (await client.update({
      resourceType: 'Patient',
      id: created.id!,
      body: { ...read, gender: 'female' } as unknown as FhirResource,
      options: { headers: { 'If-Match': 'W/"1"' } },
    })) as unknown as Patient;
    expect(updated.meta?.versionId).toBe('2');

    const stale = await failureStatus(
      client.update({
        resourceType: 'Patient',
        id: created.id!,
        body: { ...read, gender: 'male' } as unknown as FhirResource,
        options: { headers: { 'If-Match': 'W/"1"' } },
      }),
    );
    expect(stale.status).toBe(412);

    const patched = (await client.patch({
      resourceType: 'Patient',
      id: created.id!,
      jsonPatch: [{ op: 'replace', path: '/birthDate', value: '1941-03-13' }],
    })) as unknown as Patient;
    expect(patched.birthDate).toBe('1941-03-13');
    expect(patched.meta?.versionId).toBe('3');

    const history = (await client.history({ resourceType: 'Patient', id: created.id! })) as unknown as Bundle;
    expect(history.entry?.map((e) => e.response?.etag)).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);

    await client.delete({ resourceType: 'Patient', id: created.id! });
    const gone = await failureStatus(client.read({ resourceType: 'Patient', id: created.id! }));
    expect(gone.status).toBe(410);
    expect(gone.outcome.resourceType).toBe('OperationOutcome');
  });

  it('ingests a care order as a transaction and resolves urn:uuid references', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:7f1c2b1e-0000-4000-8000-000000000001',
          resource: patient('111222333', 'de Vries'),
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:uuid:7f1c2b1e-0000-4000-8000-000000000002',
          resource: {
            resourceType: 'Coverage',
            status: 'active',
            beneficiary: { reference: 'urn:uuid:7f1c2b1e-0000-4000-8000-000000000001' },
            payor: [{ display: 'Gemeente Zwolle' }],
          } satisfies Coverage,
          request: { method: 'POST', url: 'Coverage' },
        },
        {
          fullUrl: 'urn:uuid:7f1c2b1e-0000-4000-8000-000000000003',
          resource: {
            resourceType: 'DeviceRequest',
            status: 'active',
            intent: 'order',
            codeCodeableConcept: { coding: [{ system: 'urn:iso:std:iso:9999', code: '18 30', display: 'Trapliften' }] },
            subject: { reference: 'urn:uuid:7f1c2b1e-0000-4000-8000-000000000001' },
            insurance: [{ reference: 'urn:uuid:7f1c2b1e-0000-4000-8000-000000000002' }],
          } satisfies DeviceRequest,
          request: { method: 'POST', url: 'DeviceRequest' },
        },
        {
          resource: {
            resourceType: 'SupplyRequest',
            status: 'active',
            quantity: { value: 1 },
            itemReference: { reference: 'urn:uuid:7f1c2b1e-0000-4000-8000-000000000003', display: 'stairlift order' },
            deliverTo: { reference: 'urn:uuid:7f1c2b1e-0000-4000-8000-000000000001' },
          } as SupplyRequest,
          request: { method: 'POST', url: 'SupplyRequest' },
        },
      ],
    };
    const response = (await client.transaction({ body: bundle as unknown as FhirResource })) as unknown as Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual([
      '201 Created',
      '201 Created',
      '201 Created',
      '201 Created',
    ]);
    const [patientLocation, coverageLocation, requestLocation] = response.entry!.map(
      (e) => e.response!.location!.split('/_history')[0],
    );
    const [, requestId] = requestLocation.split('/');
    const order = (await client.read({ resourceType: 'DeviceRequest', id: requestId })) as unknown as DeviceRequest;
    expect(order.subject?.reference).toBe(patientLocation);
    expect(order.insurance?.[0].reference).toBe(coverageLocation);
  });

  it("finds a client's orders by BSN through a chain, includes the client, and pages with nextPage", async () => {
    const bsn = '999933391';
    const created = (await client.create({
      resourceType: 'Patient',
      body: patient(bsn, 'Bakker') as unknown as FhirResource,
    })) as unknown as Patient;
    for (const code of ['12 22', '18 30', '18 12']) {
      await client.create({
        resourceType: 'DeviceRequest',
        body: {
          resourceType: 'DeviceRequest',
          status: 'active',
          intent: 'order',
          codeCodeableConcept: { coding: [{ system: 'urn:iso:std:iso:9999', code }] },
          subject: { reference: `Patient/${created.id}` },
        } as unknown as FhirResource,
      });
    }
    const first = (await client.search({
      resourceType: 'DeviceRequest',
      searchParams: {
        'subject:Patient.identifier': `${BSN}|${bsn}`,
        _include: 'DeviceRequest:subject',
        _count: '2',
        _total: 'accurate',
      },
    })) as unknown as Bundle;
    expect(first.total).toBe(3);
    expect(first.entry?.filter((e) => e.search?.mode === 'match')).toHaveLength(2);
    expect(first.entry?.find((e) => e.search?.mode === 'include')?.resource?.id).toBe(created.id);
    const second = (await client.nextPage({
      bundle: first as unknown as FhirResource & { link: { relation: string; url: string }[] },
    })) as unknown as Bundle;
    const codes = [...first.entry!, ...second.entry!]
      .filter((e) => e.search?.mode === 'match')
      .map((e) => (e.resource as DeviceRequest).codeCodeableConcept?.coding?.[0].code);
    expect(codes.sort()).toEqual(['12 22', '18 12', '18 30']);
  });
});
