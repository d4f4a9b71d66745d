import { describe, expect, it } from 'vitest';
import { hl7v2OrderAdapter as adapter } from './adapter.js';
import { fhirDate, fhirDateTime, fhirInstant } from './hl7-time.js';
import { fixture, mapOne, parseOne, refusal, setField } from './testing.js';

const ORDER = fixture('orm-new-order-complete.hl7');

describe('split', () => {
  it('starts a message at each MSH and accepts \\r, \\n and \\r\\n as segment ends', () => {
    const two = `${ORDER}${ORDER.replace('ZA-2025031000017', 'ZA-2025031000018')}`;
    for (const body of [two, two.replaceAll('\r', '\n'), two.replaceAll('\r', '\r\n')]) {
      const messages = adapter.split(body);
      expect(messages.map((m) => m.location)).toEqual(['message 1', 'message 2']);
      expect(messages[0].raw).toBe(ORDER.trimEnd());
    }
  });

  it('drops FHS, BHS, BTS and FTS wrappers and a byte order mark', () => {
    const body = `\uFEFFFHS|^~\\&|ECD\rBHS|^~\\&|ECD\r${ORDER}BTS|1\rFTS|1\r`;
    expect(adapter.split(body).map((m) => m.raw)).toEqual([ORDER.trimEnd()]);
  });

  it('makes lines before the first MSH a message of their own, which parse refuses', () => {
    const [garbage, order] = adapter.split(`hello\rworld\r${ORDER}`);
    expect(garbage.raw).toBe('hello\rworld');
    expect(order.location).toBe('message 2');
    const err = refusal(() => adapter.parse(garbage));
    expect([err.location, err.stage]).toEqual(['MSH', 'parse']);
  });

  it('refuses an empty body', () => {
    expect(refusal(() => adapter.split(' \r\n ')).stage).toBe('parse');
  });
});

describe('parse', () => {
  it('reads ORM^O01 and OMG^O19 into header, patient, insurance and order groups', () => {
    const parsed = parseOne(ORDER);
    expect([parsed.type, parsed.controlId, parsed.in1.length, parsed.orders.length]).toEqual([
      'ORM^O01',
      'ZA-2025031000017',
      1,
      1,
    ]);
    expect(parsed.orders[0].nte).toHaveLength(2);
    expect(parseOne(fixture('omg-new-client.hl7')).orders.map((o) => o.obr.length)).toEqual([1, 1]);
  });

  it('refuses other message types at MSH-9, OML^O21 too', () => {
    for (const type of ['ADT^A01^ADT_A01', 'OML^O21^OML_O21', '']) {
      const err = refusal(() => parseOne(setField(ORDER, 'MSH', 9, type)));
      expect([err.location, err.stage, err.message]).toEqual([
        'MSH-9',
        'parse',
        expect.stringMatching(/^expects ORM\^O01 or OMG\^O19/),
      ]);
    }
  });

  it('refuses a message without control id, without ORC, or with unusable encoding characters', () => {
    expect(refusal(() => parseOne(setField(ORDER, 'MSH', 10, ''))).location).toBe('MSH-10');
    const noOrc = ORDER.split('\r')
      .filter((l) => !/^(ORC|OBR|TQ1|NTE)\|/.test(l))
      .join('\r');
    expect(refusal(() => parseOne(noOrc)).location).toBe('ORC');
    expect(refusal(() => parseOne(ORDER.replace('MSH|^~\\&|', 'MSH|^^\\&|'))).location).toBe('MSH-2');
    expect(refusal(() => parseOne('MSH')).location).toBe('MSH-2');
  });

  it('accepts other encoding characters and reads the fields through them', () => {
    const other = ORDER.replaceAll('^', '$');
    expect(mapOne(other).key).toBe('hl7v2:HIX^ZHAMSTELLAND:ZA-2025031000017');
  });

  it('never throws anything but a MappingError on mangled input', () => {
    const lines = ORDER.split('\r');
    const variants = [
      ...lines.map((_, i) => lines.filter((__, j) => j !== i).join('\r')),
      ...lines.map((line, i) => lines.map((l, j) => (j === i ? line.slice(0, 5) : l)).join('\r')),
      ...lines.map((line, i) => lines.map((l, j) => (j === i ? line.replaceAll('^', '~') : l)).join('\r')),
      ORDER.replaceAll('|', '||'),
      'MSH|^~\\&',
      'MSH|^~\\&|||||||ORM^O01|1',
    ];
    for (const raw of variants) {
      try {
        mapOne(raw);
      } catch (err) {
        expect((err as Error).name).toBe('MappingError');
      }
    }
  });
});

describe('the message key and time (MSH)', () => {
  it('keys by MSH-3, MSH-4 and MSH-10, each HD by its namespace, else its universal id', () => {
    expect(mapOne(setField(ORDER, 'MSH', 3, '^2.16.528.1.1007.3.3.90001234.1^ISO')).key).toBe(
      'hl7v2:2.16.528.1.1007.3.3.90001234.1^ZHAMSTELLAND:ZA-2025031000017',
    );
  });

  it('times by MSH-7: its own offset, else Europe/Amsterdam in winter and summer', () => {
    const at = (value: string) => mapOne(setField(ORDER, 'MSH', 7, value)).time;
    expect(at('20250310143012+0000')).toBe('2025-03-10T14:30:12+00:00');
    expect(at('202503101430')).toBe('2025-03-10T14:30:00+01:00');
    expect(at('20250710143012')).toBe('2025-07-10T14:30:12+02:00');
    expect(refusal(() => mapOne(setField(ORDER, 'MSH', 7, '20250310'))).location).toBe('MSH-7');
    expect(refusal(() => mapOne(setField(ORDER, 'MSH', 7, ''))).location).toBe('MSH-7');
  });
});

describe('HL7 DTM', () => {
  it('keeps dates as dates and gives times an offset', () => {
    expect(fhirDate('19410622')).toBe('1941-06-22');
    expect(fhirDate('194106')).toBe('1941-06');
    expect(fhirDateTime('20250317')).toBe('2025-03-17');
    expect(fhirDateTime('2025031708')).toBe('2025-03-17T08:00:00+01:00');
    expect(fhirDateTime('20250317081530.25+0130')).toBe('2025-03-17T08:15:30.25+01:30');
    expect(fhirInstant('20250317')).toBeUndefined();
  });

  it('uses the offset of the day across the DST changes of 2025 (30 March, 26 October)', () => {
    expect(fhirDateTime('202503300159')).toBe('2025-03-30T01:59:00+01:00');
    expect(fhirDateTime('202503300300')).toBe('2025-03-30T03:00:00+02:00');
    expect(fhirDateTime('202510260400')).toBe('2025-10-26T04:00:00+01:00');
  });

  it('refuses what is not a date', () => {
    expect(['20250230', '2025-03-17', '202513', '20250317256000', 'abc'].map(fhirDate)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
