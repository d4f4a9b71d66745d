import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SupplyDelivery } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expectGolden, expectWellMapped } from '../../test/support/mapping-checks.js';
import { type MappedMessage, MappingError, type MappingContext } from '../adapter.js';
import { NAMING } from '../shared/naming-systems.js';
import { supplierDeliveryCsv as adapter } from './adapter.js';
import { type Outcome, runBody } from './run-body.js';

const dir = fileURLToPath(new URL('fixtures/', import.meta.url));
const context: MappingContext = {
  receivedAt: '2025-12-07T12:00:00+01:00',
  sender: { system: NAMING.gln, value: '8712345000004' },
};
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.csv'));
const fixture = (name: string): string => readFileSync(`${dir}${name}`, 'utf8');

const HEADER = 'ordernummer,gtin,serienummer,lot,sscc,geleverd_op,ontvanger,status,bsn,aantal,eigenaar';
const BED =
  'SR-2025-0412,08712345100018,HLB-2023-004417,,387198760000042177,2025-04-01T10:42:00+02:00,Hendrik de Vries,geleverd,999933218,1,gemeente:0363';

function mapped(outcome: Outcome | undefined): MappedMessage {
  if (!outcome || !('bundle' in outcome)) throw new Error(`not mapped: ${JSON.stringify(outcome)}`);
  return outcome;
}

async function one(body: string, ctx: MappingContext = context): Promise<Outcome> {
  const { outcomes } = await runBody(adapter, body, ctx);
  expect(outcomes).toHaveLength(1);
  return outcomes[0];
}

/** A row of the standard header with some cells replaced. */
function row(changes: Partial<Record<string, string>>): string {
  const names = HEADER.split(',');
  const cells = BED.split(',');
  for (const [name, value] of Object.entries(changes)) cells[names.indexOf(name)] = value ?? '';
  return `${HEADER}\n${cells.join(',')}\n`;
}

const delivery = (m: MappedMessage) =>
  m.bundle.entry?.find((e) => e.resource?.resourceType === 'SupplyDelivery')?.resource as SupplyDelivery;

function thrown(fn: () => unknown): { location: string; stage: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof MappingError) return { location: error.location, stage: error.stage, message: error.message };
    throw error;
  }
  throw new Error('nothing thrown');
}

describe('supplier-delivery-csv fixtures', () => {
  it.each(fixtures)('%s gives its golden outcomes, every mapped row well mapped', async (name) => {
    const { messages, outcomes } = await runBody(adapter, fixture(name), context);
    expectGolden(`${dir}${name.replace(/\.csv$/, '.golden.json')}`, outcomes);
    for (const [i, outcome] of outcomes.entries()) {
      if ('bundle' in outcome) await expectWellMapped(outcome, messages[i].raw);
    }
  });

  it('has at least 6 fixtures, each with a golden file', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
    for (const name of fixtures) expect(readdirSync(dir)).toContain(name.replace(/\.csv$/, '.golden.json'));
  });
});

describe('supplier-delivery-csv split', () => {
  it('gives one message per data row, raw = header line + that row, located by the line the row starts on', () => {
    const messages = adapter.split(fixture('excel-export.csv'));
    // row 4 holds a quoted line break, so the next row starts on line 6; the empty row of separators is left out
    expect(messages.map((m) => m.location)).toEqual(['row 2', 'row 3', 'row 4', 'row 6']);
    const header = 'Ordernummer;GTIN;Serienummer;Partij;SSCC;Geleverd op;Ontvanger;Status;BSN;Aantal;Reden;Eigenaar';
    for (const m of messages) expect(m.raw.startsWith(`${header}\r\n`)).toBe(true); // no BOM, the file's CRLF
    expect(messages[2].raw).toContain('"Niet thuis; kaartje achtergelaten.\r\nNieuwe afspraak: 15-05"');
  });

  it('maps a row replayed alone from its raw text exactly as it mapped in the file', async () => {
    const { messages, outcomes } = await runBody(adapter, fixture('excel-export.csv'), context);
    const replayed = await runBody(adapter, messages[2].raw, context);
    expect(replayed.outcomes).toEqual([outcomes[2]]);
  });

  it.each([
    [
      'a semicolon file',
      'ordernummer;gtin;geleverd_op;status;bsn\nSR-1;8712345300128;2025-05-06T10:00:00+02:00;mislukt;999933218\n',
    ],
    [
      'a comma file',
      'ordernummer,gtin,geleverd_op,status,bsn\nSR-1,8712345300128,2025-05-06T10:00:00+02:00,mislukt,999933218\n',
    ],
    [
      'a CRLF file with a BOM',
      '\uFEFFordernummer,gtin,geleverd_op,status,bsn\r\nSR-1,8712345300128,2025-05-06T10:00:00+02:00,mislukt,999933218\r\n',
    ],
  ])('reads %s the same way', async (_, body) => {
    const outcome = mapped(await one(body));
    expect(delivery(outcome).status).toBe('abandoned');
    expect(delivery(outcome).basedOn?.[0].reference).toMatch(/\|SR-1$/);
  });

  it.each([
    'ORDER NUMBER,GTIN,Delivered At,STATUS,BSN',
    'Ordernummer,EAN,Geleverd op,Status,Burgerservicenummer',
    'order_number,gtin,delivered-at,status,bsn',
  ])('knows the columns by their Dutch and English names in any case: %s', async (header) => {
    const outcome = await one(`${header}\nSR-1,8712345300128,2025-05-06T10:00:00+02:00,failed,999933218\n`);
    expect('bundle' in outcome).toBe(true);
  });

  it('refuses a header line without a required column at line 1, naming the column', () => {
    expect(thrown(() => adapter.split(fixture('missing-column.csv')))).toEqual({
      location: 'line 1',
      stage: 'parse',
      message: 'the header line has no column status',
    });
    expect(thrown(() => adapter.split('gtin,bsn\n8712345300128,999933218\n')).message).toBe(
      'the header line has no column ordernummer (or order number, ordernr, order); geleverd_op (or delivered_at, geleverd op, delivered at, datum_tijd, tijdstip); status',
    );
  });

  it('refuses a header line naming one field twice', () => {
    expect(thrown(() => adapter.split('ordernummer,gtin,geleverd_op,status,Order Number\n')).message).toBe(
      'the columns "ordernummer" and "Order Number" both name ordernummer (or order number, ordernr, order)',
    );
  });

  it('refuses an empty file and a quote that is never closed, at their lines', () => {
    expect(thrown(() => adapter.split('\uFEFF\r\n'))).toMatchObject({ location: 'line 1', stage: 'parse' });
    expect(thrown(() => adapter.split(fixture('broken.csv')))).toEqual({
      location: 'line 3',
      stage: 'parse',
      message: 'a quoted field opened on this line is never closed',
    });
  });

  it('gives no messages for a header line without rows', () => {
    expect(adapter.split(`${HEADER}\r\n`)).toEqual([]);
  });
});

describe('supplier-delivery-csv key and time', () => {
  it('gives the same row the same key, however the file writes it (separator, quotes, line ending)', async () => {
    const comma = mapped(await one(row({})));
    const semicolon = mapped(
      await one(
        `${HEADER.replaceAll(',', ';')}\r\n${BED.replaceAll(',', ';').replace('Hendrik de Vries', '"Hendrik de Vries"')}\r\n`,
      ),
    );
    expect(semicolon.key).toBe(comma.key);
    expect(semicolon.bundle).toEqual(comma.bundle);
  });

  it('gives a corrected row another key but the same delivery line, so that it replaces the first', async () => {
    const first = mapped((await runBody(adapter, fixture('plain-comma.csv'), context)).outcomes[0]);
    const corrected = mapped(await one(fixture('corrected-row.csv')));
    expect(corrected.key).not.toBe(first.key);
    expect(corrected.key).toMatch(/^supplier-csv:[0-9a-f]{64}$/);
    expect(corrected.bundle.entry?.map((e) => e.request?.url)).toEqual(first.bundle.entry?.map((e) => e.request?.url));
    expect(corrected.time).toBe('2025-04-01T10:47:00+02:00');
  });

  it.each([
    ['2025-05-06 15:12', '2025-05-06T15:12:00+02:00', '2025-05-06T15:12:00+02:00'],
    ['06-01-2025 09:05', '2025-01-06T09:05:00+01:00', '2025-01-06T09:05:00+01:00'],
    ['2025-05-06T13:12:00Z', '2025-05-06T13:12:00Z', '2025-05-06T13:12:00Z'],
    ['2025-10-02', '2025-10-02', '2025-10-02T00:00:00+02:00'],
  ])('reads delivered-at %s as %s, the message time %s', async (text, value, time) => {
    const outcome = mapped(await one(row({ geleverd_op: text })));
    expect([delivery(outcome).occurrenceDateTime, outcome.time]).toEqual([value, time]);
  });

  it('maps the same body twice to identical output', async () => {
    const body = fixture('excel-export.csv');
    expect(await runBody(adapter, body, context)).toEqual(await runBody(adapter, body, context));
  });
});

describe('supplier-delivery-csv on damaged input', () => {
  /** A seeded generator, so that a failure repeats. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('answers every damaged body with outcomes or MappingErrors, never a crash', async () => {
    const next = random(7);
    const pieces = ['"', ';', ',', '\n', '\r\n', '', 'constructor', '__proto__', '0', 'E+', '\uFEFF', 'é'];
    for (const name of fixtures) {
      const body = fixture(name);
      for (let i = 0; i < 60; i++) {
        let text = body;
        for (let edits = 1 + Math.floor(next() * 4); edits > 0; edits--) {
          const at = Math.floor(next() * text.length);
          const cut = Math.floor(next() * 6);
          text = text.slice(0, at) + pieces[Math.floor(next() * pieces.length)] + text.slice(at + cut);
        }
        await runBody(adapter, text, context); // rethrows anything that is not a MappingError
      }
    }
  });

  it('refuses status and owner words that are names of Object.prototype', async () => {
    const outcome = await one(row({ status: 'constructor', eigenaar: 'gln:8712345000004' }));
    expect(outcome).toMatchObject({ error: { location: 'row 2, column status', stage: 'map' } });
    expect(await one(row({ eigenaar: 'constructor:1' }))).toMatchObject({
      error: { location: 'row 2, column eigenaar', stage: 'parse' },
    });
  });
});
