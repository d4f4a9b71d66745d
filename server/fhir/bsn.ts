// The one check of a BSN (burgerservicenummer): exactly 9 digits that pass the 11-proof (elfproef). Used for the
// BSN an upstream login returns (it decides whose records a PGO may see), the development login's configuration
// and the benchmark generator. The hub-Patient profile states the same rule in FHIRPath (hub-pat-1).

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
