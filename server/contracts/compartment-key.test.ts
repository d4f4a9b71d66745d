import { describe, expect, it } from 'vitest';
import { compartmentKey, isUuid } from './compartment-key.js';

describe('compartmentKey', () => {
  it('keeps a uuid Patient id as its own key, lower-cased', () => {
    expect(compartmentKey('3F2504E0-4F89-41D3-9A0C-0305E82C3301')).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
  });

  it('maps a non-uuid id to a stable version-5 uuid', () => {
    const key = compartmentKey('example');
    expect(isUuid(key)).toBe(true);
    expect(key[14]).toBe('5');
    expect(compartmentKey('example')).toBe(key);
  });

  it('gives different ids different keys', () => {
    expect(compartmentKey('a')).not.toBe(compartmentKey('b'));
  });
});
