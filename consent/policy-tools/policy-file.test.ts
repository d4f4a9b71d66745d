// The configurable baseline (HUB_ACCESS_POLICY): a file's roles replace the baseline rules of those roles, the
// others keep theirs, and every mistake is refused with a message naming where it is.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import type { Principal } from '../../server/contracts/principal.js';
import { decide } from '../policy/decide.js';
import { accessPolicyOf, PolicyFileError } from './policy-file.js';
import { SYSTEM_RULES } from '../policy/rules.js';

const financier: Principal = {
  kind: 'system',
  clientId: 'f',
  role: 'financier',
  organization: { system: 'urn:uzovi', value: '1' },
  dataServices: [],
  tokenId: 't',
};
const supplier: Principal = { ...financier, role: 'supplier' };
const rule = (changes: Record<string, unknown> = {}) => ({
  id: 'finance-care-plans',
  types: ['CarePlan'],
  interactions: ['read', 'search'],
  scope: { kind: 'care-relation' },
  why: 'a regional pilot',
  ...changes,
});

describe('a configured access policy', () => {
  it('replaces the rules of the roles it names and keeps the others', () => {
    const rules = accessPolicyOf({ financier: [rule()] });
    expect(decide(financier, 'read', 'CarePlan', { rules })).toMatchObject({
      effect: 'permit',
      rule: 'finance-care-plans',
      scope: { kind: 'care-relation' },
    });
    // The financier's baseline rules are gone with the replacement ...
    expect(decide(financier, 'read', 'Coverage', { rules })).toMatchObject({ effect: 'deny' });
    expect(decide(financier, 'read', 'Coverage')).toMatchObject({ effect: 'permit', rule: 'finance-coverage' });
    // ... and the supplier keeps its own.
    expect(rules.supplier).toBe(SYSTEM_RULES.supplier);
    expect(decide(supplier, 'read', 'SupplyRequest', { rules })).toMatchObject({
      effect: 'permit',
      rule: 'supply-requests',
    });
  });

  it('takes an items-of scope as the baseline writes it', () => {
    const scope = {
      kind: 'items-of',
      params: ['organization', 'holder'],
      via: [{ type: 'SupplyRequest', itemParam: 'item', organizationParams: ['supplier'] }],
    };
    const rules = accessPolicyOf({
      supplier: [rule({ id: 'supply-devices-x', types: ['Device'], mask: 'delivery', scope })],
    });
    expect(decide(supplier, 'read', 'Device', { rules })).toEqual({
      effect: 'permit',
      rule: 'supply-devices-x',
      scope,
      mask: 'delivery',
    });
  });

  it('can take every right from a role', () => {
    const rules = accessPolicyOf({ logistics: [] });
    expect(decide({ ...financier, role: 'logistics' }, 'read', 'SupplyRequest', { rules })).toMatchObject({
      effect: 'deny',
    });
  });

  const mistakes: [string, unknown, RegExp][] = [
    ['not an object', [], /JSON object of roles/],
    ['an unknown role', { insurer: [] }, /the role "insurer"; the roles are/],
    ['rules not in an array', { financier: {} }, /financier: must be an array/],
    ['a rule without why', { financier: [rule({ why: '' })] }, /financier\[0\]\.why/],
    ['a bad id', { financier: [rule({ id: 'Finance Plans' })] }, /financier\[0\]\.id/],
    ['an id of a baseline rule', { financier: [rule({ id: 'supply-requests' })] }, /"supply-requests" is used twice/],
    ['an unknown type', { financier: [rule({ types: ['Careplan'] })] }, /financier\[0\]\.types/],
    [
      'an unknown interaction',
      { financier: [rule({ interactions: ['read', 'export'] })] },
      /financier\[0\]\.interactions/,
    ],
    [
      "a person's scope",
      { financier: [rule({ scope: { kind: 'own-compartment' } })] },
      /financier\[0\]\.scope\.kind: one of/,
    ],
    [
      'an organisation scope without params',
      { financier: [rule({ scope: { kind: 'organization' } })] },
      /scope\.params/,
    ],
    [
      'a clients-of scope without via',
      { financier: [rule({ scope: { kind: 'clients-of', via: [{ type: 'Coverage' }] } })] },
      /scope\.via/,
    ],
    [
      'an items-of scope without params',
      {
        supplier: [
          rule({
            id: 'supply-devices-x',
            scope: {
              kind: 'items-of',
              via: [{ type: 'SupplyRequest', itemParam: 'item', organizationParams: ['supplier'] }],
            },
          }),
        ],
      },
      /supplier\[0\]\.scope\.params/,
    ],
    [
      'an items-of scope whose via names no item parameter',
      {
        supplier: [
          rule({
            id: 'supply-devices-x',
            scope: {
              kind: 'items-of',
              params: ['owner'],
              via: [{ type: 'SupplyRequest', organizationParams: ['supplier'] }],
            },
          }),
        ],
      },
      /supplier\[0\]\.scope\.via: an array of \{ type, itemParam, organizationParams \}/,
    ],
    [
      'an unknown mask',
      { financier: [rule({ mask: 'minimal' })] },
      /financier\[0\]\.mask: one of delivery, administrative/,
    ],
  ];
  for (const [name, raw, message] of mistakes) {
    it(`refuses ${name}`, () => {
      expect(() => accessPolicyOf(raw)).toThrow(PolicyFileError);
      expect(() => accessPolicyOf(raw)).toThrow(message);
    });
  }

  it('is read at start-up from HUB_ACCESS_POLICY, and a bad file stops the hub with one line', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'access-policy-'));
    const good = path.join(folder, 'good.json');
    writeFileSync(good, JSON.stringify({ financier: [rule()] }));
    expect(loadConfig({ HUB_ACCESS_POLICY: good }).auth.accessPolicy?.financier).toEqual([rule()]);
    expect(loadConfig({}).auth.accessPolicy).toBeUndefined();
    const bad = path.join(folder, 'bad.json');
    writeFileSync(bad, '{ "financier": [ ');
    expect(() => loadConfig({ HUB_ACCESS_POLICY: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ HUB_ACCESS_POLICY: bad })).toThrow(
      /^HUB_ACCESS_POLICY .*bad\.json: cannot be read as JSON/,
    );
    expect(() => loadConfig({ HUB_ACCESS_POLICY: path.join(folder, 'missing.json') })).toThrow(/which does not exist/);
  });
});
