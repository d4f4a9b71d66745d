// A system client's registered scopes are checked against its role (role-scopes.ts): every role against every
// kind of scope, with the expected answer written out by hand from the baseline rules (docs/access-policy.md), so
// the test does not repeat the code it checks. Plus: an empty list is refused for every role, and the
// registrations the hub, its tests and its docs rely on stay valid.
import { describe, expect, it } from 'vitest';
import { adminClient } from '../bootstrap/admin-client.js';
import type { SystemRole } from '../../server/contracts/principal.js';
import { HUB_OPERATOR_SYSTEM, IDENTIFIER_SYSTEMS, SYSTEM_ROLES, validateClient } from './client-validation.js';

const { ura, gln, uzovi } = IDENTIFIER_SYSTEMS;
const ORGANIZATION: Record<SystemRole, { system: string; value: string }> = {
  'care-provider': { system: ura, value: '12345678' },
  supplier: { system: gln, value: '8712345678906' },
  logistics: { system: gln, value: '8712345678906' },
  financier: { system: uzovi, value: '3311' },
  auditor: { system: ura, value: '87654321' },
  admin: { system: HUB_OPERATOR_SYSTEM, value: 'zorghub' },
};

function system(role: SystemRole, dataServices: string[]) {
  return {
    clientId: `client-${role}`,
    name: `Client ${role}`,
    kind: 'system',
    role,
    organization: ORGANIZATION[role],
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwksUri: 'https://client.example.org/jwks.json',
    dataServices,
    active: true,
  };
}

const ALL = SYSTEM_ROLES;
const NONE: SystemRole[] = [];
const BUT_AUDITOR = ALL.filter((role) => role !== 'auditor');

/** Each scope and the roles that may register it, by the baseline rules. */
const ACCEPTED_BY: [string, readonly SystemRole[]][] = [
  ['system/*.read', ALL],
  ['system/*.rs', ALL],
  ['system/*.*', ['admin']],
  ['system/*.write', ['admin']],
  ['system/*.cruds', ['admin']],
  ['system/DeviceRequest.read', BUT_AUDITOR],
  ['system/DeviceRequest.rs', BUT_AUDITOR],
  ['system/DeviceRequest.crus', ['admin', 'care-provider']],
  ['system/DeviceRequest.cruds', ['admin']],
  ['system/SupplyRequest.read', ['admin', 'care-provider', 'supplier', 'logistics']],
  ['system/SupplyDelivery.crus', ['admin', 'supplier', 'logistics']],
  ['system/Device.u', ['admin', 'supplier', 'logistics']],
  ['system/Coverage.read', ['admin', 'care-provider', 'financier']],
  ['system/AuditEvent.read', ['admin', 'auditor']],
  ['system/Consent.rs', ['admin', 'care-provider', 'auditor']],
  ['system/Organization.c', ['admin', 'care-provider', 'financier']],
  ['system/Patient.write', ['admin']],
  ['system/Foo.read', ['admin']],
  ['system/Patient.', NONE],
  ['patient/*.read', NONE],
  ['user/Patient.read', NONE],
  ['basisgegevens', BUT_AUDITOR],
  ['zorgplan', ['admin', 'care-provider']],
  ['hulpmiddelen', BUT_AUDITOR],
  ['leveringen', BUT_AUDITOR],
  ['financiering', BUT_AUDITOR],
  ['toegangslog', ['admin', 'auditor']],
  ['zorghub~leveringen', NONE],
  ['audit', NONE],
  ['system', NONE],
];

const CASES = ACCEPTED_BY.flatMap(([scope, roles]) => ALL.map((role) => [role, scope, roles.includes(role)] as const));

describe("a system client's scopes, by role", () => {
  it.each(CASES)('%s registered for %s: accepted %s', (role, scope, accepted) => {
    const problems = validateClient(system(role, [scope]));
    if (accepted) {
      expect(problems).toEqual([]);
    } else {
      // Refused on the scope alone, with a sentence that names the scope.
      expect(problems).toEqual([{ path: 'dataServices[0]', message: expect.stringContaining(`"${scope}"`) }]);
    }
  });

  it.each(ALL)('refuses %s with no scopes at all, saying what it may register', (role) => {
    expect(validateClient(system(role, []))).toEqual([
      {
        path: 'dataServices',
        message: expect.stringMatching(new RegExp(`at least one scope.*role ${role} may register system/`)),
      },
    ]);
  });

  it('says what a logistics client may do instead of the access log, and why system/*.* is too much', () => {
    const [log] = validateClient(system('logistics', ['toegangslog']));
    expect(log.message).toMatch(/"toegangslog" \(AuditEvent\) opens nothing role logistics's rules allow/);
    expect(log.message).toMatch(/data services basisgegevens, hulpmiddelen, leveringen, financiering/);
    const [all] = validateClient(system('logistics', ['system/*.*']));
    expect(all.message).toMatch(
      /"system\/\*\.\*" asks for what role logistics may never do \(create Organization, .*delete Organization/,
    );
    expect(all.message).toMatch(/register system\/\*\.read or less$/);
    const [cruds] = validateClient(system('care-provider', ['system/DeviceRequest.cruds']));
    expect(cruds.message).toMatch(/\(delete DeviceRequest\); register system\/DeviceRequest\.crus or less$/);
  });

  const kept: [string, unknown][] = [
    ['the bootstrap admin client', adminClient('hub-admin', 'zorghub')],
    ...(['care-provider', 'supplier', 'logistics', 'financier', 'auditor'] as const).map((role): [string, unknown] => [
      `test/support/system-clients.ts as ${role}`,
      system(role, ['system/*.read']),
    ]),
    [
      'a logistics client for deliveries (test/e2e/main-process, the audit trail test)',
      system('logistics', ['leveringen']),
    ],
    [
      'a logistics client with a data service and a SMART scope (test/security/authentication)',
      system('logistics', ['leveringen', 'system/SupplyRequest.read']),
    ],
    ['an auditor for the access log', system('auditor', ['toegangslog'])],
    ['an admin with every scope (test/e2e/system-client)', system('admin', ['system/*.*'])],
  ];
  it.each(kept)('keeps %s valid', (_name, client) => {
    expect(
      validateClient(client, { secret: 'new' }).filter((problem) => problem.path.startsWith('dataServices')),
    ).toEqual([]);
  });
});
