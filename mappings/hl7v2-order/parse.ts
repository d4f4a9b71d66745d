// One HL7 v2 message read into the adapter's model: the header, the patient's segments, the insurance segments and
// one group per order (ORC and what follows it up to the next ORC). Parsing refuses only what makes the text not an
// order message at all (no MSH, bad encoding characters, another message type, no control id, no ORC); whether
// the content can become the hub's resources is for map.
import { Hl7Message } from '@medplum/core';
import type { SourceMessage } from '../adapter.js';
import { refuse } from './errors.js';
import { Seg } from './hl7-read.js';

/** The message types this adapter takes, with the trigger of the ACK that answers each. */
export const ACCEPTED_TYPES: Record<string, string> = { 'ORM^O01': 'O01', 'OMG^O19': 'O19' };

export interface OrderGroup {
  /** 1-based number of the order in the message. */
  readonly number: number;
  readonly orc: Seg;
  readonly obr: readonly Seg[];
  readonly tq1: readonly Seg[];
  /** NTE segments after the ORC or the OBR of this order. */
  readonly nte: readonly Seg[];
  /** Other order detail segments (RQD, RXO, ODS, ...): present means the order is not one this adapter maps. */
  readonly otherDetail: readonly Seg[];
}

export interface ParsedOrderMessage {
  readonly message: Hl7Message;
  readonly msh: Seg;
  /** MSH-9 as "ORM^O01" or "OMG^O19". */
  readonly type: string;
  readonly controlId: string;
  readonly pid?: Seg;
  readonly in1: readonly Seg[];
  readonly orders: readonly OrderGroup[];
}

const ORDER_DETAIL = new Set(['RQD', 'RQ1', 'RXO', 'ODS', 'ODT']);

export function parseOrderMessage(source: SourceMessage): ParsedOrderMessage {
  const message = readMessage(source.raw);
  const segments = placed(message);
  const msh = segments[0];
  const type = [msh.value(9, 1), msh.value(9, 2)].filter(Boolean).join('^');
  if (!ACCEPTED_TYPES[type]) {
    throw refuse.unsupported('MSH-9', `expects ORM^O01 or OMG^O19, got ${type || 'no message type'}`);
  }
  const controlId = msh.value(10);
  if (!controlId) {
    throw refuse.missing('MSH-10', 'no message control id: the hub needs it to recognise the message', 'parse');
  }
  const pids = segments.filter((s) => s.name === 'PID');
  const orders: OrderGroup[] = [];
  let group: { orc: Seg; obr: Seg[]; tq1: Seg[]; nte: Seg[]; otherDetail: Seg[] } | undefined;
  for (const seg of segments) {
    if (seg.name === 'ORC') {
      group = { orc: seg, obr: [], tq1: [], nte: [], otherDetail: [] };
      orders.push({ number: orders.length + 1, ...group });
    } else if (group) {
      if (seg.name === 'OBR') group.obr.push(seg);
      else if (seg.name === 'TQ1') group.tq1.push(seg);
      else if (seg.name === 'NTE') group.nte.push(seg);
      else if (ORDER_DETAIL.has(seg.name)) group.otherDetail.push(seg);
    }
  }
  if (orders.length === 0) {
    throw refuse.segment('ORC', `an ${type} message needs at least one ORC segment (an order)`, 'parse');
  }
  if (pids.length > 1) {
    throw refuse.segment(pids[1].at(), 'more than one PID: one message orders for one client', 'parse');
  }
  return {
    message,
    msh,
    type,
    controlId,
    pid: pids[0],
    in1: segments.filter((s) => s.name === 'IN1'),
    orders,
  };
}

/** Hl7Message.parse, after the checks it does not make (it would split on an empty separator or throw a TypeError). */
export function readMessage(raw: string): Hl7Message {
  const text = raw.replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '');
  if (!text.startsWith('MSH')) {
    throw refuse.segment('MSH', 'the message does not start with an MSH segment', 'parse');
  }
  const encoding = encodingCharacters(text);
  if (!encoding) {
    throw refuse.invalid(
      'MSH-2',
      'MSH-1 and MSH-2 must give the field separator and four distinct encoding characters (|^~\\&)',
      'parse',
    );
  }
  try {
    return Hl7Message.parse(text);
  } catch (err) {
    throw refuse.invalid('MSH', `the message cannot be read as HL7 v2: ${(err as Error).message}`, 'parse');
  }
}

/** MSH-1 and MSH-2 when they are usable: a field separator and four (v2.7+: five) distinct other characters. */
function encodingCharacters(text: string): string | undefined {
  const fieldSeparator = text.charAt(3);
  const end = text.indexOf(fieldSeparator, 4);
  const encoding = end < 0 ? text.slice(4) : text.slice(4, end);
  const characters = [fieldSeparator, ...encoding];
  const usable =
    fieldSeparator !== '' &&
    (encoding.length === 4 || encoding.length === 5) &&
    new Set(characters).size === characters.length &&
    characters.every((c) => !/[A-Za-z0-9\s]/.test(c));
  return usable ? fieldSeparator + encoding : undefined;
}

/** The segments with their ordinal per name and their line. */
function placed(message: Hl7Message): Seg[] {
  const counts = new Map<string, number>();
  return message.segments.map((segment, i) => {
    const ordinal = (counts.get(segment.name) ?? 0) + 1;
    counts.set(segment.name, ordinal);
    return new Seg(segment, ordinal, i + 1);
  });
}
