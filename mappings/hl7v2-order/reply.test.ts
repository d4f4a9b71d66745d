import { Hl7Message } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import type { IngestOutcome, SourceMessage } from '../adapter.js';
import { createHl7v2OrderAdapter } from './adapter.js';
import { Hl7MappingError } from './errors.js';
import { errorLocation } from './reply.js';
import { fixture, parseOne, refusal, setField } from './testing.js';

const NOW = new Date('2025-03-10T13:31:05Z');
const adapter = createHl7v2OrderAdapter({ now: () => NOW });
const ORDER = fixture('orm-new-order-complete.hl7');
const source = (raw: string): SourceMessage => ({ raw, location: 'message 1' });

function ack(raw: string, outcome: IngestOutcome, parsed = true): Hl7Message {
  const reply = adapter.respond!(source(raw), parsed ? parseOne(raw) : undefined, outcome);
  expect(reply.contentType).toBe('x-application/hl7-v2+er7');
  return Hl7Message.parse(reply.body);
}

/** The outcome the ingest path reports for a refusal (location, text, and the adapter's code when it has one). */
function outcomeOf(run: () => unknown, status: IngestOutcome['status']): IngestOutcome {
  const err = refusal(run);
  return {
    status,
    text: err.message,
    location: err.location,
    code: err instanceof Hl7MappingError ? err.code : undefined,
  };
}

describe('the ACK', () => {
  it('accepts with AA, sender and receiver swapped, ACK^O01 for an ORM, the original control id in MSA-2', () => {
    const reply = ack(ORDER, { status: 'accepted' });
    const msh = reply.getSegment('MSH')!;
    expect([3, 4, 5, 6].map((f) => msh.getField(f).toString())).toEqual([
      'ZORGHUB',
      'ZORGHUB',
      'HIX',
      'ZHAMSTELLAND^2.16.528.1.1007.3.3.90001234^ISO',
    ]);
    expect(msh.getField(7).toString()).toBe('20250310143105+0100');
    expect(msh.getField(9).toString()).toBe('ACK^O01^ACK');
    expect(msh.getField(10).toString()).toMatch(/^A[0-9a-f]{19}$/);
    expect(msh.getField(10).toString()).not.toBe('ZA-2025031000017');
    expect(msh.getField(12).toString()).toBe('2.5');
    expect(reply.getSegment('MSA')?.toString()).toBe('MSA|AA|ZA-2025031000017|Message accepted');
    expect(reply.getSegment('ERR')).toBeUndefined();
  });

  it('answers an OMG^O19 with ACK^O19', () => {
    const reply = ack(fixture('omg-new-client.hl7'), { status: 'accepted' });
    expect(reply.getSegment('MSH')?.getField(9).toString()).toBe('ACK^O19^ACK');
  });

  it('reports a mapping error as AE with an ERR: location, table 0357 code, severity, user message', () => {
    const raw = setField(ORDER, 'PID', 3, '7012345^^^ZHAMSTELLAND^PI');
    const outcome = outcomeOf(() => adapter.map(parseOne(raw), { receivedAt: NOW.toISOString() }), 'error');
    const reply = ack(raw, outcome);
    expect(reply.getSegment('MSA')?.getField(1).toString()).toBe('AE');
    const err = reply.getSegment('ERR')!;
    expect(err.getField(2).toString()).toBe('PID^1^3');
    expect(err.getField(3).toString()).toBe('101^Required field missing^HL70357');
    expect(err.getField(4).toString()).toBe('E');
    expect(err.getField(5).toString()).toBe('HUB_ERR_MAP_HL7_REQUIRED_FIELD');
    expect(err.getField(8).toString()).toMatch(/^no BSN in PID-3/);
  });

  it('names the segment sequence of a repeated segment and the 0357 code of an unknown value', () => {
    expect(errorLocation('OBR[2]-4')).toEqual(['OBR', '2', '4']);
    expect(errorLocation('IN1')).toEqual(['IN1', '1']);
    expect(errorLocation('DeviceRequest.insurance')).toBeUndefined();
    const raw = fixture('orm-unknown-aid-code.hl7');
    const reply = ack(
      raw,
      outcomeOf(() => adapter.map(parseOne(raw), { receivedAt: NOW.toISOString() }), 'error'),
    );
    expect(reply.getSegment('ERR')?.getField(3).toString()).toBe('103^Table value not found^HL70357');
  });

  it('rejects an unsupported message type with AR and 200, mirroring its trigger', () => {
    const raw = fixture('broken-wrong-type.hl7');
    const reply = ack(
      raw,
      outcomeOf(() => adapter.parse(source(raw)), 'rejected'),
      false,
    );
    expect(reply.getSegment('MSH')?.getField(9).toString()).toBe('ACK^A01^ACK');
    expect(reply.getSegment('MSA')?.toString()).toBe(
      'MSA|AR|ZA-2025031000099|expects ORM\\S\\O01 or OMG\\S\\O19, got ADT\\S\\A01',
    );
    expect(reply.getSegment('ERR')?.getField(3).toString()).toBe('200^Unsupported message type^HL70357');
  });

  it('gives a validation or authorisation failure without an adapter code as AE with 207 and the text', () => {
    const outcome: IngestOutcome = {
      status: 'error',
      code: 'HUB_ERR_STORE_PROFILE_VIOLATION',
      text: 'DeviceRequest.insurance: minimum required = 1 | found 0',
      location: 'DeviceRequest.insurance',
    };
    const err = ack(ORDER, outcome).getSegment('ERR')!;
    expect(err.getField(2).toString()).toBe('');
    expect(err.getField(3).toString()).toBe('207^Application internal error^HL70357');
    expect(err.getField(8).toString()).toBe(
      'DeviceRequest.insurance: minimum required = 1 \\F\\ found 0 (at DeviceRequest.insurance)',
    );
  });

  it('builds an ACK from what can be read of a broken MSH, else a minimal one', () => {
    const broken = 'MSH|^^\\&|HIX|ZHAMSTELLAND|ZORGHUB||20250310||ORM^O01|ZA-1|P|2.5\rPID|1';
    const outcome: IngestOutcome = { status: 'rejected', text: 'bad MSH-2', location: 'MSH-2' };
    const reply = ack(broken, outcome, false);
    expect(reply.getSegment('MSH')?.getField(5).toString()).toBe('HIX');
    expect(reply.getSegment('MSA')?.getField(2).toString()).toBe('ZA-1');
    const minimal = ack('hello world', outcome, false);
    expect(minimal.getSegment('MSH')?.getField(9).toString()).toBe('ACK');
    expect(minimal.getSegment('MSA')?.getField(1).toString()).toBe('AR');
  });
});
