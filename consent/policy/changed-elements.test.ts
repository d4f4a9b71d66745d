import { describe, expect, it } from 'vitest';
import { changedElements, coveredBy, forbiddenChanges } from './changed-elements.js';

describe('changedElements', () => {
  it('names the top-level elements added, removed or changed, never meta or id', () => {
    const stored = {
      resourceType: 'SupplyRequest',
      id: 'a',
      meta: { versionId: '1' },
      status: 'active',
      quantity: { value: 1 },
      note: [{ text: 'x' }],
    };
    const next = {
      resourceType: 'SupplyRequest',
      id: 'a',
      meta: { versionId: '2' },
      status: 'cancelled',
      quantity: { value: 1 },
      priority: 'urgent',
    };
    expect(changedElements(stored, next)).toEqual(['note', 'priority', 'status']);
  });
});

describe('coveredBy', () => {
  it.each([
    ['occurrencePeriod', 'occurrence[x]', true],
    ['occurrenceDateTime', 'occurrence[x]', true],
    ['occurrences', 'occurrence[x]', false],
    ['occurrence', 'occurrence[x]', false],
    ['supplier', 'occurrence[x]', false],
    ['status', 'status', true],
  ])('%s is covered by %s: %s', (name, allowed, covered) => {
    expect(coveredBy(name, allowed)).toBe(covered);
  });
});

describe('forbiddenChanges', () => {
  it('lets a new time window through and names a new supplier', () => {
    const stored = {
      resourceType: 'SupplyRequest',
      occurrenceDateTime: '2027-01-01',
      supplier: [{ reference: 'Organization/a' }],
    };
    expect(
      forbiddenChanges(
        stored,
        { ...stored, occurrenceDateTime: undefined, occurrencePeriod: { start: '2027-01-02' } } as never,
        ['occurrence[x]'],
      ),
    ).toEqual([]);
    expect(
      forbiddenChanges(stored, { ...stored, supplier: [{ reference: 'Organization/b' }] }, ['occurrence[x]']),
    ).toEqual(['supplier']);
  });
});
