// "Now" as the token code takes it: a Date, or epoch milliseconds (what Date.getTime() gives). JWT claims count
// seconds (NumericDate, RFC 7519 2), so the conversion lives in one place, with a guard against passing seconds.

export type Instant = Date | number;

/** Epoch milliseconds below this are before 1973, but as seconds they would be the year 5138: a unit mix-up. */
const SMALLEST_PLAUSIBLE_MS = 1e11;

export function epochSeconds(now: Instant): number {
  const ms = typeof now === 'number' ? now : now.getTime();
  if (!Number.isFinite(ms) || ms < SMALLEST_PLAUSIBLE_MS) {
    throw new TypeError(`now must be a Date or epoch milliseconds, not ${String(now)}`);
  }
  return Math.floor(ms / 1000);
}
