// Quantity values: the value's range (same precision rule as numbers) with system, code and unit, so that
// `value-quantity=5.4|http://unitsofmeasure.org|mg` can compare both. Money counts as a quantity in ISO 4217;
// a Range contributes its low and high bounds (a missing bound is open).
import type { TypedValue } from '@medplum/core';
import { numberRange } from './number.js';
import type { QuantityValue } from './types.js';

const ISO_4217 = 'urn:iso:std:iso:4217';

type Json = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function fromQuantity(q: Json): QuantityValue | undefined {
  if (typeof q.value !== 'number') {
    return undefined;
  }
  const range = numberRange(q.value);
  if (!range) {
    return undefined;
  }
  return { ...range, value: q.value, system: str(q.system), code: str(q.code), unit: str(q.unit) };
}

export function quantityValues(values: TypedValue[]): QuantityValue[] {
  const out: QuantityValue[] = [];
  for (const typed of values) {
    const v = typed.value as unknown;
    if (typeof v === 'number') {
      const range = numberRange(v);
      if (range) {
        out.push({ ...range, value: v, system: undefined, code: undefined, unit: undefined });
      }
      continue;
    }
    if (!v || typeof v !== 'object') {
      continue;
    }
    const json = v as Json;
    if (typed.type === 'Money') {
      const money = fromQuantity({ value: json.value, system: ISO_4217, code: json.currency, unit: json.currency });
      if (money) {
        out.push(money);
      }
    } else if (typed.type === 'Range') {
      const low = json.low as Json | undefined;
      const high = json.high as Json | undefined;
      const unitOf = low ?? high;
      if (typeof low?.value === 'number' || typeof high?.value === 'number') {
        out.push({
          low: typeof low?.value === 'number' ? low.value : -Infinity,
          high: typeof high?.value === 'number' ? high.value : Infinity,
          value: (typeof low?.value === 'number' ? low.value : high?.value) as number,
          system: str(unitOf?.system),
          code: str(unitOf?.code),
          unit: str(unitOf?.unit),
        });
      }
    } else {
      // Quantity and its profiles (Age, Duration, Distance, Count, SimpleQuantity); SampledData has no single value.
      const quantity = fromQuantity(json);
      if (quantity) {
        out.push(quantity);
      }
    }
  }
  return out;
}
