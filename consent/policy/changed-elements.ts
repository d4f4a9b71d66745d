// Which top-level elements a write changes, and whether a caller with element-level rights may make it. A client
// (or his delegate) may change only what his data services, or his delegation, let him: the time window of a
// delivery request (`occurrence[x]`), not its supplier or status. Rights are written as FHIR element names, a choice
// element with `[x]` (`occurrence[x]` covers occurrenceDateTime, occurrencePeriod and occurrenceTiming). Pure.
import { isDeepStrictEqual } from 'node:util';

/** Elements every write may carry as it likes: the server sets them (meta) or they name the resource. */
const ALWAYS_WRITABLE = new Set(['resourceType', 'id', 'meta']);

/** The top-level elements whose values differ between the stored resource and the one to be written. */
export function changedElements(stored: Record<string, unknown>, next: Record<string, unknown>): string[] {
  const names = new Set([...Object.keys(stored), ...Object.keys(next)]);
  return [...names].filter((name) => !ALWAYS_WRITABLE.has(name) && !isDeepStrictEqual(stored[name], next[name])).sort();
}

/** Whether the JSON element `name` (occurrencePeriod) is the element `allowed` names (occurrence[x], or itself). */
export function coveredBy(name: string, allowed: string): boolean {
  if (allowed.endsWith('[x]')) {
    const stem = allowed.slice(0, -3);
    return name.startsWith(stem) && /^[A-Z]/.test(name.slice(stem.length));
  }
  return name === allowed;
}

/** The changed elements that none of `allowed` covers. */
export function forbiddenChanges(
  stored: Record<string, unknown>,
  next: Record<string, unknown>,
  allowed: readonly string[],
): string[] {
  return changedElements(stored, next).filter((name) => !allowed.some((element) => coveredBy(name, element)));
}
