import { describe, expect, it } from 'vitest';
import { numberRange, numberValues } from './number.js';
import { quantityValues } from './quantity.js';

describe('numberRange', () => {
  it('uses the implicit precision of the decimal as written', () => {
    expect(numberRange(100)).toEqual({ low: 99.5, high: 100.5 });
    expect(numberRange(1.5)).toEqual({ low: 1.45, high: 1.55 });
    expect(numberRange(0.001)).toEqual({ low: 0.0005, high: 0.0015 });
    expect(numberRange(-2.25)).toEqual({ low: -2.255, high: -2.245 });
    expect(numberRange(0)).toEqual({ low: -0.5, high: 0.5 });
  });

  it('handles exponent notation and refuses non-finite numbers', () => {
    expect(numberRange(1e-7)).toEqual({ low: 5e-8, high: 1.5e-7 });
    expect(numberRange(1e21)).toEqual({ low: 5e20, high: 1.5e21 });
    expect(numberRange(Number.NaN)).toBeUndefined();
  });
});

describe('numberValues', () => {
  it('reads numbers and Ranges (open bounds as infinities)', () => {
    expect(numberValues([{ type: 'integer', value: 3 }])).toEqual([{ low: 2.5, high: 3.5 }]);
    expect(numberValues([{ type: 'Range', value: { low: { value: 2 } } }])).toEqual([{ low: 2, high: Infinity }]);
    expect(numberValues([{ type: 'string', value: '3' }])).toEqual([]);
  });
});

describe('quantityValues', () => {
  it('keeps value range, system, code and unit', () => {
    const q = { value: 5.4, system: 'http://unitsofmeasure.org', code: 'mg', unit: 'milligram' };
    expect(quantityValues([{ type: 'Quantity', value: q }])).toEqual([
      { low: 5.35, high: 5.45, value: 5.4, system: 'http://unitsofmeasure.org', code: 'mg', unit: 'milligram' },
    ]);
  });

  it('reads Money as ISO 4217, Ranges by their bounds, and skips quantities without value', () => {
    expect(quantityValues([{ type: 'Money', value: { value: 10, currency: 'EUR' } }])).toEqual([
      { low: 9.5, high: 10.5, value: 10, system: 'urn:iso:std:iso:4217', code: 'EUR', unit: 'EUR' },
    ]);
    expect(
      quantityValues([{ type: 'Range', value: { low: { value: 1, code: 'a', system: 's' }, high: { value: 3 } } }]),
    ).toEqual([{ low: 1, high: 3, value: 1, system: 's', code: 'a', unit: undefined }]);
    expect(quantityValues([{ type: 'Quantity', value: { code: 'mg' } }])).toEqual([]);
    expect(quantityValues([{ type: 'SampledData', value: { data: '1 2' } }])).toEqual([]);
  });
});
