import { describe, expect, it } from 'vitest';
import { isUuid } from '../contracts/compartment-key.js';
import { newResourceId } from './resource-id.js';

describe('newResourceId', () => {
  it('gives a version 7 uuid that is a valid FHIR id', () => {
    const id = newResourceId();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]); // the RFC 9562 variant
    expect(/^[A-Za-z0-9\-.]{1,64}$/.test(id)).toBe(true);
  });

  it('starts with the millisecond it was made in', () => {
    expect(newResourceId(0x0123_4567_89ab).slice(0, 13)).toBe('01234567-89ab');
  });

  it('sorts ids of later milliseconds after earlier ones', () => {
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((ms) => newResourceId(ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it('gives different ids in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newResourceId(1_700_000_000_000)));
    expect(ids.size).toBe(1000);
  });
});
