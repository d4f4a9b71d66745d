// Why: the BSN an upstream login returns decides whose records a PGO may see, so it is checked before anything
// uses it: exactly 9 digits that pass the 11-proof (elfproef). A typo or a test value from a broker stops here.

/** 9·d1 + 8·d2 + … + 2·d8 − 1·d9 must be divisible by 11; 000000000 is not a BSN although its sum is 0. */
export function isValidBsn(value: string): boolean {
  if (!/^[0-9]{9}$/.test(value) || value === '000000000') {
    return false;
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    sum += (9 - i) * Number(value[i]);
  }
  sum -= Number(value[8]);
  return sum % 11 === 0;
}
