import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeviceRequest, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expectGolden, expectWellMapped } from '../../test/support/mapping-checks.js';
import { MappingError, type MappedMessage } from '../adapter.js';
import { hl7v2OrderAdapter as adapter } from './adapter.js';
import { CONTEXT, FIXTURES, fixture, mapOne, resources } from './testing.js';

type Outcome = MappedMessage | { error: { location: string; stage: string; message: string } };

/** Every message of a body, mapped or refused, as the golden files hold them. */
function run(body: string): { raw: string; outcome: Outcome }[] {
  let messages: { raw: string; location: string }[];
  try {
    messages = adapter.split(body);
  } catch (err) {
    return [{ raw: body, outcome: refused(err) }];
  }
  return messages.map((message) => {
    try {
      const parsed = adapter.parse(message);
      return { raw: message.raw, outcome: adapter.map(parsed as never, CONTEXT) };
    } catch (err) {
      return { raw: message.raw, outcome: refused(err) };
    }
  });
}

function refused(err: unknown): Outcome {
  if (!(err instanceof MappingError)) {
    throw err;
  }
  return { error: { location: err.location, stage: err.stage, message: err.message } };
}

const fixtures = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.hl7'))
  .sort();

describe('hl7v2-order fixtures', () => {
  it('has the fixtures the brief asks for', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of fixtures) {
    it(`${name} matches its golden file and every mapped message meets the rules`, async () => {
      const results = run(fixture(name));
      const golden = fileURLToPath(new URL(name.replace(/\.hl7$/, '.golden.json'), FIXTURES));
      expectGolden(
        golden,
        results.map((r) => r.outcome),
      );
      for (const { raw, outcome } of results) {
        if (!('error' in outcome)) {
          await expectWellMapped(outcome, raw);
        }
      }
    });
  }
});

describe('hl7v2-order as a whole', () => {
  it('maps the same body twice to the same output', () => {
    for (const name of fixtures) {
      expect(run(fixture(name))).toEqual(run(fixture(name)));
    }
  });

  it('derives full URLs from the message key: another MSH-10 gives other URLs', () => {
    const first = mapOne(fixture('orm-new-order-complete.hl7'));
    const second = mapOne(fixture('orm-new-order-complete.hl7').replace('ZA-2025031000017', 'ZA-2025031000018'));
    expect(second.key).toBe('hl7v2:HIX^ZHAMSTELLAND:ZA-2025031000018');
    const urls = (m: MappedMessage) => m.bundle.entry?.map((e) => e.fullUrl);
    expect(urls(first)).not.toEqual(urls(second));
    expect(urls(first)?.every((u) => u?.startsWith('urn:uuid:'))).toBe(true);
  });

  it('keys the message by sending application, facility and control id, and times it by MSH-7', () => {
    const mapped = mapOne(fixture('orm-new-order-complete.hl7'));
    expect(mapped.key).toBe('hl7v2:HIX^ZHAMSTELLAND:ZA-2025031000017');
    expect(mapped.time).toBe('2025-03-10T14:30:12+01:00');
  });

  it('refers from the order to the client, the requester and the Coverage by their full URLs', () => {
    const mapped = mapOne(fixture('orm-new-order-complete.hl7'));
    const url = (type: string) => mapped.bundle.entry?.find((e) => e.resource?.resourceType === type)?.fullUrl;
    const [order] = resources<DeviceRequest>(mapped, 'DeviceRequest');
    expect(order.subject.reference).toBe(url('Patient'));
    // The ordering organisation (ORC-21), not the insurer: the care relation is the organisation's.
    const requester = mapped.bundle.entry?.find((e) => e.fullUrl === order.requester?.reference)?.resource;
    expect(requester).toMatchObject({ resourceType: 'Organization', name: 'Ziekenhuis Amstelland' });
    expect(order.insurance?.[0].reference).toBe(url('Coverage'));
  });

  it('a cancel and a change find the order of the new order by the same placer number', () => {
    const request = (name: string) =>
      mapOne(fixture(name)).bundle.entry?.find((e) => e.resource?.resourceType === 'DeviceRequest')?.request;
    const created = request('orm-new-order-complete.hl7');
    expect(created?.method).toBe('PUT');
    expect(request('orm-cancel.hl7')).toEqual(created);
    expect(request('orm-change.hl7')).toEqual(created);
    const status = (name: string) => resources<DeviceRequest>(mapOne(fixture(name)), 'DeviceRequest')[0].status;
    expect([status('orm-new-order-complete.hl7'), status('orm-change.hl7'), status('orm-cancel.hl7')]).toEqual([
      'active',
      'active',
      'revoked',
    ]);
  });

  it('creates the client only if absent, found by BSN', () => {
    const mapped = mapOne(fixture('omg-new-client.hl7'));
    const entry = mapped.bundle.entry?.find((e) => e.resource?.resourceType === 'Patient');
    expect(entry?.request).toEqual({
      method: 'POST',
      url: 'Patient',
      ifNoneExist: 'identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fbsn|999937339',
    });
    expect(resources<Patient>(mapped, 'Patient')[0].identifier).toEqual([
      { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999937339' },
    ]);
  });

  it('splits a batch into its messages and maps each on its own', () => {
    const results = run(fixture('batch-two-messages.hl7'));
    expect(results).toHaveLength(2);
    expect('key' in results[0].outcome && results[0].outcome.key).toBe('hl7v2:ECD-NEDAP^THUISZORGWEST:TZW-000460');
    expect('error' in results[1].outcome && results[1].outcome.error.location).toBe('PID-3');
  });
});
