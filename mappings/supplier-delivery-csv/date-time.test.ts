import { describe, expect, it } from 'vitest';
import { readWhen } from './date-time.js';

const csv = { dutch: true, dateOnly: true };
const event = { dutch: false, dateOnly: false };

describe('readWhen', () => {
  it.each([
    ['2025-05-06T15:12:00+02:00', '2025-05-06T15:12:00+02:00'],
    ['2025-05-06T15:12', '2025-05-06T15:12:00+02:00'],
    ['2025-01-06 09:05:30', '2025-01-06T09:05:30+01:00'],
    ['6-1-2025 9:05', '2025-01-06T09:05:00+01:00'],
    ['06/05/2025 15:12', '2025-05-06T15:12:00+02:00'],
    ['2025-05-06T13:12:00.250Z', '2025-05-06T13:12:00.250Z'],
    // the last Sunday of March and of October, either side of the change in Amsterdam
    ['2025-03-30 01:59', '2025-03-30T01:59:00+01:00'],
    ['2025-03-30 03:00', '2025-03-30T03:00:00+02:00'],
    ['2025-10-26 01:30', '2025-10-26T01:30:00+02:00'],
    ['2025-10-26 03:30', '2025-10-26T03:30:00+01:00'],
  ])('reads %s as %s', (text, value) => {
    expect(readWhen(text, csv)).toEqual({ ok: true, value: { fhir: value, instant: value } });
  });

  it('keeps a date a date, its message time the start of that day in Amsterdam', () => {
    expect(readWhen('2025-12-24', csv)).toEqual({
      ok: true,
      value: { fhir: '2025-12-24', instant: '2025-12-24T00:00:00+01:00' },
    });
    expect(readWhen('24-12-2025', csv)).toMatchObject({ ok: true, value: { fhir: '2025-12-24' } });
  });

  it.each(['2025-02-29T10:00', '31-04-2025', '2025-05-06T24:00', '2025-05-06T10:00+15:00', '5/6/25', 'morgen'])(
    'refuses %s',
    (text) => {
      expect(readWhen(text, csv)).toMatchObject({ ok: false });
    },
  );

  it('takes events in ISO 8601 only, and with a time of day', () => {
    expect(readWhen('06-05-2025 15:12', event)).toMatchObject({ ok: false });
    expect(readWhen('2025-05-06', event)).toEqual({
      ok: false,
      reason: '2025-05-06 has no time of day (write YYYY-MM-DDThh:mm:ss+hh:mm)',
    });
  });
});
