import { describe, expect, it } from 'vitest';
import { dateRange, dateValues, NEG_INFINITY, POS_INFINITY } from './date.js';

describe('dateRange', () => {
  it('covers a whole year, month or day for partial dates', () => {
    expect(dateRange('2024')).toEqual({ low: '2024-01-01T00:00:00.000Z', high: '2025-01-01T00:00:00.000Z' });
    expect(dateRange('2024-02')).toEqual({ low: '2024-02-01T00:00:00.000Z', high: '2024-03-01T00:00:00.000Z' });
    expect(dateRange('2024-12')).toEqual({ low: '2024-12-01T00:00:00.000Z', high: '2025-01-01T00:00:00.000Z' });
    expect(dateRange('2024-02-28')).toEqual({ low: '2024-02-28T00:00:00.000Z', high: '2024-02-29T00:00:00.000Z' });
    expect(dateRange('2023-12-31')).toEqual({ low: '2023-12-31T00:00:00.000Z', high: '2024-01-01T00:00:00.000Z' });
  });

  it('takes years below 100 literally', () => {
    expect(dateRange('0050')).toEqual({ low: '0050-01-01T00:00:00.000Z', high: '0051-01-01T00:00:00.000Z' });
  });

  it('applies the time zone of a dateTime, and reads one without zone as UTC', () => {
    expect(dateRange('2024-03-01T10:00:00+01:00')).toEqual({
      low: '2024-03-01T09:00:00.000Z',
      high: '2024-03-01T09:00:01.000Z',
    });
    expect(dateRange('2024-03-01T00:30:00-05:30')).toEqual({
      low: '2024-03-01T06:00:00.000Z',
      high: '2024-03-01T06:00:01.000Z',
    });
    expect(dateRange('2024-01-01T00:00:00+14:00')).toEqual({
      low: '2023-12-31T10:00:00.000Z',
      high: '2023-12-31T10:00:01.000Z',
    });
    expect(dateRange('2024-03-01T10:00:00')).toEqual({
      low: '2024-03-01T10:00:00.000Z',
      high: '2024-03-01T10:00:01.000Z',
    });
  });

  it('keeps the precision written: minutes, seconds, fractions, instants to the ms', () => {
    expect(dateRange('2024-03-01T10:00Z')).toEqual({
      low: '2024-03-01T10:00:00.000Z',
      high: '2024-03-01T10:01:00.000Z',
    });
    expect(dateRange('2024-03-01T10:00:00.5Z')).toEqual({
      low: '2024-03-01T10:00:00.500Z',
      high: '2024-03-01T10:00:00.600Z',
    });
    expect(dateRange('2024-03-01T10:00:00.123Z')).toEqual({
      low: '2024-03-01T10:00:00.123Z',
      high: '2024-03-01T10:00:00.124Z',
    });
    expect(dateRange('2024-03-01T10:00:00.123456Z')).toEqual({
      low: '2024-03-01T10:00:00.123Z',
      high: '2024-03-01T10:00:00.124Z',
    });
  });

  it('refuses what is not a date', () => {
    expect(dateRange('yesterday')).toBeUndefined();
    expect(dateRange('2024-1-1')).toBeUndefined();
    expect(dateRange('')).toBeUndefined();
  });
});

describe('dateValues', () => {
  it('reads Periods, with open ends as infinity sentinels', () => {
    expect(dateValues([{ type: 'Period', value: { start: '2024-01', end: '2024-02-10' } }])).toEqual([
      { low: '2024-01-01T00:00:00.000Z', high: '2024-02-11T00:00:00.000Z' },
    ]);
    expect(dateValues([{ type: 'Period', value: { start: '2024' } }])).toEqual([
      { low: '2024-01-01T00:00:00.000Z', high: POS_INFINITY },
    ]);
    expect(dateValues([{ type: 'Period', value: { end: '2024' } }])).toEqual([
      { low: NEG_INFINITY, high: '2025-01-01T00:00:00.000Z' },
    ]);
    expect(dateValues([{ type: 'Period', value: {} }])).toEqual([]);
  });

  it('reads Timing events and its repeat bounds', () => {
    const timing = { event: ['2024-05-01T08:00:00Z', '2024-05-02'], repeat: { boundsPeriod: { start: '2024-05-01' } } };
    expect(dateValues([{ type: 'Timing', value: timing }])).toEqual([
      { low: '2024-05-01T08:00:00.000Z', high: '2024-05-01T08:00:01.000Z' },
      { low: '2024-05-02T00:00:00.000Z', high: '2024-05-03T00:00:00.000Z' },
      { low: '2024-05-01T00:00:00.000Z', high: POS_INFINITY },
    ]);
  });

  it('reads date, dateTime and instant primitives and ignores other types (Age, Range)', () => {
    expect(
      dateValues([
        { type: 'date', value: '2020' },
        { type: 'instant', value: '2020-01-01T00:00:00.000Z' },
        { type: 'Age', value: { value: 40 } },
      ]),
    ).toEqual([
      { low: '2020-01-01T00:00:00.000Z', high: '2021-01-01T00:00:00.000Z' },
      { low: '2020-01-01T00:00:00.000Z', high: '2020-01-01T00:00:00.001Z' },
    ]);
  });
});

describe('dateRange on impossible dates', () => {
  it.each([
    '2024-02-30',
    '2023-02-29',
    '2024-13',
    '2024-00-10',
    '2024-01-01T24:00:00Z',
    '2024-01-01T10:60:00Z',
    '2024-01-01T10:00:00+15:00',
  ])('refuses %s instead of rolling it over', (text) => {
    expect(dateRange(text)).toBeUndefined();
  });

  it('accepts 29 February in a leap year', () => {
    expect(dateRange('2024-02-29')).toEqual({ low: '2024-02-29T00:00:00.000Z', high: '2024-03-01T00:00:00.000Z' });
  });
});
