import type { FhirRoute } from '../server/fhir/routes.js';
import { fhirRoutes, operationDefinitions } from '../server/fhir/routes.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../server/fhir/definitions.js';
import { buildCapabilityStatement } from './capability.js';

const options = {
  baseUrl: 'http://hub.test',
  version: '0.0.0',
  resourceTypes: ['Patient', 'Coverage'],
  date: '2026-01-01T00:00:00Z',
};

beforeAll(() => loadDefinitions());

describe('buildCapabilityStatement', () => {
  it('claims for every type exactly the type and instance interactions the route table serves', () => {
    const statement = buildCapabilityStatement(fhirRoutes, operationDefinitions, options);
    const served = new Set(fhirRoutes.map((route) => route.interaction));
    for (const resource of statement.rest![0].resource!) {
      for (const { code } of resource.interaction!) {
        expect(served.has(code as FhirRoute['interaction'])).toBe(true);
      }
      expect(resource.interaction!.map((i) => i.code).sort()).toEqual([
        'create',
        'delete',
        'history-instance',
        'history-type',
        'patch',
        'read',
        'search-type',
        'update',
        'vread',
      ]);
      expect(resource.conditionalRead).toBe('full-support');
      const everything =
        resource.type === 'Patient'
          ? [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }]
          : [];
      expect(resource.operation).toEqual([
        { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
        ...everything,
      ]);
    }
  });

  it('drops an interaction, its flags and the system interactions when their routes are gone', () => {
    const reduced = fhirRoutes.filter(
      (route) =>
        ![
          'vread',
          'conditional-delete',
          'batch-transaction',
          'operation:validate',
          'operation:everything',
          'search-type',
          'search-system',
        ].includes(route.interaction),
    );
    const statement = buildCapabilityStatement(reduced, operationDefinitions, options);
    const patient = statement.rest![0].resource![0];
    expect(patient.interaction!.map((i) => i.code)).not.toContain('vread');
    expect(patient.readHistory).toBe(false);
    expect(patient.conditionalDelete).toBe('not-supported');
    expect(patient.operation).toBeUndefined();
    expect(patient.searchParam).toBeUndefined();
    expect(statement.rest![0].interaction).toEqual([{ code: 'history-system' }]);
  });

  it('speaks FHIR R4 JSON only and names JSON Patch as its patch format', () => {
    const statement = buildCapabilityStatement(fhirRoutes, operationDefinitions, options);
    expect(statement.fhirVersion).toBe('4.0.1');
    expect(statement.format).not.toContain('xml');
    expect(statement.patchFormat).toEqual(['application/json-patch+json']);
  });

  it('lists the search parameters that work on a type, and leaves out those that do not', () => {
    const statement = buildCapabilityStatement(fhirRoutes, operationDefinitions, options);
    const patient = statement.rest![0].resource!.find((r) => r.type === 'Patient')!;
    const names = patient.searchParam!.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['identifier', 'birthdate', 'name', 'general-practitioner', '_id', '_lastUpdated']),
    );
    expect(patient.searchInclude).toContain('Patient:general-practitioner');
    expect(patient.searchRevInclude).toContain('DeviceRequest:subject');
    expect(statement.rest![0].interaction).toContainEqual({ code: 'search-system' });
    const location = buildCapabilityStatement(fhirRoutes, operationDefinitions, {
      ...options,
      resourceTypes: ['Location'],
    }).rest![0].resource![0];
    expect(location.searchParam!.map((p) => p.name)).not.toContain('near');
  });

  it('describes the authorization server when the hub takes tokens, and nothing of it when it does not', () => {
    expect(buildCapabilityStatement(fhirRoutes, operationDefinitions, options).rest?.[0].security).toBeUndefined();
    const secured = buildCapabilityStatement(fhirRoutes, operationDefinitions, {
      ...options,
      oauthIssuer: 'https://hub.example',
    }).rest?.[0].security;
    expect(secured?.service?.[0].coding?.[0].code).toBe('SMART-on-FHIR');
    const uris = secured?.extension?.[0].extension?.map((e) => [e.url, e.valueUri]);
    expect(uris).toEqual([
      ['authorize', 'https://hub.example/oauth/authorize'],
      ['token', 'https://hub.example/oauth/token'],
      ['revoke', 'https://hub.example/oauth/revoke'],
      ['introspect', 'https://hub.example/oauth/introspect'],
    ]);
  });

  it('lists one resource entry per stored type', () => {
    const statement = buildCapabilityStatement(fhirRoutes, operationDefinitions, options);
    expect(statement.rest![0].resource!.map((r) => r.type)).toEqual(['Patient', 'Coverage']);
  });
});
