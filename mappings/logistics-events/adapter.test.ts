import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SupplyDelivery } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expectGolden, expectWellMapped } from '../../test/support/mapping-checks.js';
import { type MappedMessage, MappingError, type MappingContext } from '../adapter.js';
import { NAMING } from '../shared/naming-systems.js';
import { type Outcome, runBody } from '../supplier-delivery-csv/run-body.js';
import { logisticsEvents as adapter } from './adapter.js';

const dir = fileURLToPath(new URL('fixtures/', import.meta.url));
const context: MappingContext = {
  receivedAt: '2025-12-07T12:00:00+01:00',
  sender: { system: NAMING.gln, value: '8719876000008' },
};
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.golden.json'));
const fixture = (name: string): string => readFileSync(`${dir}${name}`, 'utf8');

function mapped(outcome: Outcome | undefined): MappedMessage {
  if (!outcome || !('bundle' in outcome)) throw new Error(`not mapped: ${JSON.stringify(outcome)}`);
  return outcome;
}

function thrown(fn: () => unknown): { location: string; stage: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof MappingError) return { location: error.location, stage: error.stage, message: error.message };
    throw error;
  }
  throw new Error('nothing thrown');
}

const delivery = (m: MappedMessage) =>
  m.bundle.entry?.find((e) => e.resource?.resourceType === 'SupplyDelivery')?.resource as SupplyDelivery;

describe('logistics-events fixtures', () => {
  it.each(fixtures)('%s gives its golden outcomes, every mapped event well mapped', async (name) => {
    const { messages, outcomes } = await runBody(adapter, fixture(name), context);
    expectGolden(`${dir}${name.replace(/\.json$/, '.golden.json')}`, outcomes);
    for (const [i, outcome] of outcomes.entries()) {
      if ('bundle' in outcome) await expectWellMapped(outcome, messages[i].raw);
    }
  });

  it('has at least 6 fixtures, each with a golden file', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
    for (const name of fixtures) expect(readdirSync(dir)).toContain(name.replace(/\.json$/, '.golden.json'));
  });
});

describe('logistics-events split', () => {
  it('cuts a batch into each event as the body writes it, located as events[i]', () => {
    const body = fixture('batch-three.json');
    const messages = adapter.split(body);
    expect(messages.map((m) => m.location)).toEqual(['events[0]', 'events[1]', 'events[2]']);
    for (const m of messages) expect(body).toContain(m.raw);
    expect(JSON.parse(messages[1].raw)).toEqual(JSON.parse(body)[1]);
  });

  it('takes a single event, an array and { "events": [...] } alike', () => {
    const event = fixture('single-delivered.json').trim();
    for (const body of [event, `[${event}]`, `{"events": [${event}]}`, `\uFEFF${event}`]) {
      expect(adapter.split(body)).toEqual([{ raw: event, location: 'events[0]' }]);
    }
    expect(adapter.split('[]')).toEqual([]);
  });

  it('refuses what is not JSON at the line and column where it stops being JSON', () => {
    expect(thrown(() => adapter.split(fixture('invalid-json.json')))).toEqual({
      location: 'line 4, column 3',
      stage: 'parse',
      message: `not JSON: expected ',' or '}' after an object member, found "\\""`,
    });
    expect(thrown(() => adapter.split('\uFEFF{"events": [ {"a": 1}, ]}')).location).toBe('line 1, column 24');
  });

  it('refuses a body that is JSON but no events', () => {
    expect(thrown(() => adapter.split('"delivered"'))).toMatchObject({ location: 'line 1, column 1', stage: 'parse' });
    expect(thrown(() => adapter.split('{\n  "events": {"eventId": "x"}\n}'))).toEqual({
      location: 'line 2, column 13',
      stage: 'parse',
      message: 'events must be an array of event objects',
    });
  });

  it('refuses an element of a batch that is not an object, alone', async () => {
    const event = fixture('single-delivered.json');
    const { outcomes } = await runBody(adapter, `[${event}, 42]`, context);
    expect('bundle' in outcomes[0]).toBe(true);
    expect(outcomes[1]).toEqual({
      error: { location: 'events[1]', stage: 'parse', message: 'an event is a JSON object' },
    });
  });

  it('maps an event replayed alone from its raw text exactly as it mapped in the batch', async () => {
    const { messages, outcomes } = await runBody(adapter, fixture('batch-three.json'), context);
    expect((await runBody(adapter, messages[2].raw, context)).outcomes).toEqual([outcomes[2]]);
  });
});

describe('logistics-events key and time', () => {
  it('keys an event by its eventId and times it by occurredAt', async () => {
    const m = mapped((await runBody(adapter, fixture('single-delivered.json'), context)).outcomes[0]);
    expect([m.key, m.time]).toEqual(['logistics:ZX-EVT-20250401-104233-0017', '2025-04-01T10:42:00+02:00']);
  });

  it('gives a repeated event the same key and Bundle, and a late older event an older time on the same shipment', async () => {
    const [first, repeat, late] = (await runBody(adapter, fixture('duplicate-and-late.json'), context)).outcomes.map(
      mapped,
    );
    expect(repeat).toEqual(first);
    expect(late.key).not.toBe(first.key);
    expect(Date.parse(late.time)).toBeLessThan(Date.parse(first.time));
    expect(late.bundle.entry?.[0]?.request).toEqual(first.bundle.entry?.[0]?.request);
  });

  it('gives an occurredAt without offset the Amsterdam offset of that moment', async () => {
    const event = JSON.parse(fixture('single-delivered.json'));
    const body = JSON.stringify({ ...event, occurredAt: '2025-01-15T10:42:00' });
    const m = mapped((await runBody(adapter, body, context)).outcomes[0]);
    expect([m.time, delivery(m).occurrenceDateTime]).toEqual([
      '2025-01-15T10:42:00+01:00',
      '2025-01-15T10:42:00+01:00',
    ]);
  });

  it('maps the same body twice to identical output', async () => {
    const body = fixture('batch-three.json');
    expect(await runBody(adapter, body, context)).toEqual(await runBody(adapter, body, context));
  });
});

describe('logistics-events on damaged input', () => {
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
    const next = random(11);
    const pieces = ['"', ',', '{', '}', '[', ']', ':', 'null', '1e400', '[]', '{}', '"constructor"', '"__proto__"', ''];
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

  it.each([
    [{ location: { address: 'Amsterdam' } }, 'events[0].location.address'],
    [{ location: { geo: [52, 4] } }, 'events[0].location.geo'],
    [{ eventId: ['x'] }, 'events[0].eventId'],
    [{ receivedBy: { name: 'A. de Vries' } }, 'events[0].receivedBy'],
  ])('refuses the wrong JSON types in %o at %s', async (changes, location) => {
    const body = JSON.stringify({ ...JSON.parse(fixture('single-delivered.json')), ...changes });
    expect((await runBody(adapter, body, context)).outcomes).toEqual([
      { error: { location, stage: 'parse', message: expect.any(String) } },
    ]);
    expect((await runBody(adapter, '{"events": [[]]}', context)).outcomes).toEqual([
      { error: { location: 'events[0]', stage: 'parse', message: 'an event is a JSON object' } },
    ]);
  });
});
