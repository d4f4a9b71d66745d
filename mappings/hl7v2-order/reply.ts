// The HL7 v2 ACK a sender of an order expects: MSH with sender and receiver swapped, MSA with AA (accepted), AE
// (an error in the message: mapping, validation, authorisation) or AR (rejected: not an order message it takes),
// and for AE / AR an ERR naming where (ERL), what (HL7 table 0357) and why. Built from the parsed message, else from
// what can be read of its MSH, else a minimal one.
import { createHash } from 'node:crypto';
import { Hl7Context, type Hl7Message } from '@medplum/core';
import type { AdapterReply, IngestOutcome, SourceMessage } from '../adapter.js';
import { HL7_ERROR_CODES, type Hl7ErrorCode } from './errors.js';
import { escapeHl7 } from './hl7-read.js';
import { ACCEPTED_TYPES, type ParsedOrderMessage, readMessage } from './parse.js';

export const HL7_MEDIA_TYPE = 'x-application/hl7-v2+er7';

/** The fields of the original MSH an ACK copies, as they stand in the original (its encoding characters). */
interface Header {
  readonly context: Hl7Context;
  readonly fields: ReadonlyMap<number, string>;
}

export function buildAck(
  message: SourceMessage,
  parsed: ParsedOrderMessage | undefined,
  outcome: IngestOutcome,
  now: Date,
): AdapterReply {
  const header = readHeader(message.raw, parsed?.message);
  const { context } = header;
  const field = (n: number) => header.fields.get(n) ?? '';
  const type = field(9).split(context.componentSeparator);
  const trigger = ACCEPTED_TYPES[`${type[0]}^${type[1]}`] ?? type[1];
  const ackCode = outcome.status === 'accepted' ? 'AA' : outcome.status === 'rejected' ? 'AR' : 'AE';
  const controlId = `A${createHash('sha256').update(`${message.raw}\n${now.toISOString()}\n${ackCode}`).digest('hex').slice(0, 19)}`;
  const fs = context.fieldSeparator;
  const c = context.componentSeparator;
  const msh = [
    'MSH',
    context.getMsh2(),
    field(5),
    field(6),
    field(3),
    field(4),
    hl7Timestamp(now),
    '',
    trigger ? `ACK${c}${trigger}${c}ACK` : 'ACK',
    controlId,
    field(11) || 'P',
    field(12) || '2.5',
  ].join(fs);
  const text = outcome.text ?? (ackCode === 'AA' ? 'Message accepted' : undefined);
  const msa = ['MSA', ackCode, field(10), text ? escapeHl7(text.slice(0, 80), context) : ''].join(fs);
  const segments = [msh, msa];
  if (ackCode !== 'AA') {
    segments.push(errSegment(outcome, context));
  }
  return { contentType: HL7_MEDIA_TYPE, body: `${segments.map(trimEmpty(fs)).join('\r')}\r` };
}

function errSegment(outcome: IngestOutcome, context: Hl7Context): string {
  const c = context.componentSeparator;
  const condition = errorCondition(outcome);
  const where = errorLocation(outcome.location);
  const located = outcome.location && !where ? ` (at ${outcome.location})` : '';
  return [
    'ERR',
    '',
    where ? where.join(c) : '',
    [condition.hl7, condition.text, 'HL70357'].join(c),
    'E',
    outcome.code ? escapeHl7(outcome.code, context) : '',
    '',
    '',
    escapeHl7(`${outcome.text ?? condition.text}${located}`, context),
  ].join(context.fieldSeparator);
}

/** The table 0357 condition: from the adapter's own code, else an unsupported type at MSH-9, else 207. */
function errorCondition(outcome: IngestOutcome): { hl7: string; text: string } {
  if (outcome.code && outcome.code in HL7_ERROR_CODES) {
    return HL7_ERROR_CODES[outcome.code as Hl7ErrorCode];
  }
  if (outcome.status === 'rejected' && outcome.location === 'MSH-9') {
    return HL7_ERROR_CODES.HUB_ERR_MAP_HL7_UNSUPPORTED_MESSAGE;
  }
  return HL7_ERROR_CODES.HUB_ERR_MAP_HL7_APPLICATION;
}

/** An ERL (segment^sequence^field^repetition^component) from a location such as "PID-3", "OBR[2]-4" or "IN1". */
export function errorLocation(location: string | undefined): string[] | undefined {
  const m = location ? /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\.(\d+))?)?$/.exec(location) : null;
  if (!m) {
    return undefined;
  }
  const [, segment, sequence, fieldNumber, component] = m;
  const erl = [segment, sequence ?? '1', fieldNumber ?? '', '', component ?? ''];
  while (erl.length > 2 && erl[erl.length - 1] === '') erl.pop();
  return erl;
}

/** The original MSH: from the parsed message, else read leniently from the raw text, else nothing (a minimal ACK). */
function readHeader(raw: string, message: Hl7Message | undefined): Header {
  let hl7 = message;
  if (!hl7) {
    try {
      hl7 = readMessage(raw);
    } catch {
      return lenientHeader(raw);
    }
  }
  const msh = hl7.getSegment(0);
  const fields = new Map<number, string>();
  if (msh?.name === 'MSH') {
    for (const n of [3, 4, 5, 6, 9, 10, 11, 12]) {
      fields.set(n, msh.getField(n)?.toString() ?? '');
    }
  }
  return { context: hl7.context, fields };
}

/** A first line that starts with MSH but whose encoding characters are unusable: its fields as plain text. */
function lenientHeader(raw: string): Header {
  const context = new Hl7Context();
  const line = raw.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)[0] ?? '';
  const fields = new Map<number, string>();
  const separator = line.charAt(3);
  if (line.startsWith('MSH') && separator && !/[A-Za-z0-9\s]/.test(separator)) {
    const parts = line.split(separator);
    for (const n of [3, 4, 5, 6, 10, 12]) {
      fields.set(n, escapeHl7(parts[n - 1] ?? '', context));
    }
  }
  return { context, fields };
}

/** YYYYMMDDHHMMSS+ZZZZ in Europe/Amsterdam time. */
function hl7Timestamp(now: Date): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Amsterdam',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = /GMT([+-]\d{2}):(\d{2})/.exec(get('timeZoneName'));
  const zone = offset ? `${offset[1]}${offset[2]}` : '+0000';
  return `${get('year')}${get('month')}${get('day')}${get('hour')}${get('minute')}${get('second')}${zone}`;
}

/** Trailing empty fields are left off ("ERR||PID^1^3|..." rather than "...||||"). */
function trimEmpty(fs: string): (segment: string) => string {
  return (segment) => segment.replace(new RegExp(`(${escapeRegExp(fs)})+$`), '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
