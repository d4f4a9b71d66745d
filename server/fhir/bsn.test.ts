import { describe, expect, it } from 'vitest';
import { isValidBsn } from './bsn.js';

describe('isValidBsn', () => {
  it.each([
    ['111222333', 'a BSN whose weighted sum is 66'],
    ['123456782', 'a BSN whose weighted sum is 154'],
    ['999996356', 'a BSN from the test range'],
  ])('accepts %s (%s)', (bsn) => {
    expect(isValidBsn(bsn)).toBe(true);
  });

  it.each([
    ['111222334', 'the last digit changed'],
    ['123456789', 'a sum not divisible by 11'],
    ['12345678', '8 digits'],
    ['1234567820', '10 digits'],
    ['12345678a', 'a letter'],
    [' 23456782', 'a space'],
    ['123456782\n', 'a trailing newline'],
    ['000000000', 'all zeroes, although its sum is 0'],
    ['', 'the empty string'],
    ['１２３４５６７８２', 'full-width digits'],
  ])('refuses %j (%s)', (bsn) => {
    expect(isValidBsn(bsn)).toBe(false);
  });
});
