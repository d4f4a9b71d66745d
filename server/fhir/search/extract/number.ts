// Number values as the range the decimal covers given how it was written: 100 -> [99.5, 100.5), 1.50 would be
// [1.495, 1.505) but JSON.parse already dropped the trailing zero, so 1.5 -> [1.45, 1.55). Range values keep their
// own low and high.
import type { TypedValue } from '@medplum/core';
import type { NumberRange } from './types.js';

const DECIMAL = /^-?\d+(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/** Decimal places of the number as JavaScript writes it (negative for 1e21 and the like). */
function decimals(value: number): number | undefined {
  const m = DECIMAL.exec(String(value));
  if (!m) {
    return undefined;
  }
  return (m[1]?.length ?? 0) - Number(m[2] ?? 0);
}

/** Rounds away the floating-point noise that the half-unit subtraction adds (99.50000000000001). */
function clean(value: number, places: number): number {
  return places >= 0 && places <= 99 ? Number(value.toFixed(places)) : value;
}

export function numberRange(value: number): NumberRange | undefined {
  if (!Number.isFinite(value)) {
    return undefined;
  }
  const places = decimals(value);
  if (places === undefined) {
    return { low: value, high: value };
  }
  const half = 0.5 * 10 ** -places;
  return { low: clean(value - half, places + 1), high: clean(value + half, places + 1) };
}

export function numberValues(values: TypedValue[]): NumberRange[] {
  const out: NumberRange[] = [];
  for (const typed of values) {
    const v = typed.value as unknown;
    if (typeof v === 'number') {
      const range = numberRange(v);
      if (range) {
        out.push(range);
      }
    } else if (typed.type === 'Range' && v && typeof v === 'object') {
      const { low, high } = v as { low?: { value?: number }; high?: { value?: number } };
      if (typeof low?.value === 'number' || typeof high?.value === 'number') {
        out.push({ low: low?.value ?? -Infinity, high: high?.value ?? Infinity });
      }
    }
  }
  return out;
}
