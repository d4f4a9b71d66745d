// One event object read into the adapter's model, by the documented schema (README.md): each member present is
// checked for its type and form here (stage parse, located as events[i].member); what the hub additionally needs
// and the event types are the mapping's (map-event.ts). Members the schema does not name are not read, `bsn` among
// them: an event names its client through the delivery request it answers (../shared/delivery-request.ts).
import type { Identifier } from '@medplum/fhirtypes';
import { MappingError } from '../adapter.js';
import { readWhen, type When } from '../supplier-delivery-csv/date-time.js';
import {
  type Checked,
  checkGln,
  checkGs1Text,
  checkGtin,
  checkOrderNumber,
  checkOwner,
  checkSscc,
  type Gtin,
} from '../supplier-delivery-csv/identifiers.js';

export interface Place {
  readonly gln?: string;
  readonly address?: {
    readonly line?: string;
    readonly postalCode?: string;
    readonly city?: string;
    readonly country?: string;
  };
  readonly geo?: { readonly lat: number; readonly long: number };
}

export interface LogisticsEvent {
  /** "events[i]": where the event sat in the body. */
  readonly location: string;
  readonly eventId: string;
  /** As sent; the event types are a code map of the mapping. */
  readonly type: string;
  readonly occurredAt: When;
  readonly sscc: string;
  readonly orderNumber: string;
  readonly gtin?: Gtin;
  readonly serial?: string;
  readonly lot?: string;
  readonly quantity?: number;
  readonly owner?: Identifier;
  readonly place?: Place;
  readonly receivedBy?: string;
  readonly reason?: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Identifiers travel as strings: 18 SSCC digits do not survive as a JSON number, leading zeros never do. */
const STRING_ONLY = new Set(['sscc', 'gtin', 'gln', 'orderNumber', 'serial', 'lot', 'eventId']);

class Members {
  constructor(
    readonly object: Json,
    readonly at: string,
  ) {}

  text(name: string): string | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      const hint = typeof value === 'number' && STRING_ONLY.has(name) ? ' (identifiers go as strings, "...")' : '';
      throw new MappingError(`${this.at}.${name}`, `${name} must be a JSON string${hint}`, 'parse');
    }
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  checked<T>(name: string, check: (text: string) => Checked<T>): T | undefined {
    const text = this.text(name);
    if (text === undefined) return undefined;
    const result = check(text);
    if (!result.ok) throw new MappingError(`${this.at}.${name}`, result.reason, 'parse');
    return result.value;
  }

  required<T>(name: string, check: (text: string) => Checked<T>, why: string): T {
    const value = this.checked(name, check);
    if (value === undefined) throw new MappingError(`${this.at}.${name}`, `the event has no ${name}: ${why}`, 'parse');
    return value;
  }

  number(name: string, range: [number, number], integer: boolean): number | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || (integer && !Number.isInteger(value)) || value < range[0] || value > range[1]) {
      const kind = integer ? 'a whole number' : 'a number';
      throw new MappingError(`${this.at}.${name}`, `${name} must be ${kind} from ${range[0]} to ${range[1]}`, 'parse');
    }
    return value;
  }

  nested(name: string): Members | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw new MappingError(`${this.at}.${name}`, `${name} must be a JSON object`, 'parse');
    return new Members(value, `${this.at}.${name}`);
  }
}

const any = (text: string): Checked<string> => ({ ok: true, value: text });

function readPlace(members: Members | undefined): Place | undefined {
  if (!members) return undefined;
  const address = members.nested('address');
  const geo = members.nested('geo');
  const place: Place = {
    gln: members.checked('gln', checkGln),
    address: address && {
      line: address.text('line'),
      postalCode: address.text('postalCode'),
      city: address.text('city'),
      country: address.checked('country', (t) =>
        /^[A-Z]{2}$/.test(t)
          ? { ok: true, value: t }
          : { ok: false, reason: `country ${t} is not an ISO 3166 code like NL` },
      ),
    },
    geo: geo && {
      lat: geo.number('lat', [-90, 90], false) ?? missing(geo, 'lat'),
      long: geo.number('long', [-180, 180], false) ?? missing(geo, 'long'),
    },
  };
  const hasAddress = place.address && Object.values(place.address).some((v) => v !== undefined);
  if (!place.gln && !hasAddress && !place.geo) {
    throw new MappingError(members.at, 'location names no gln, address or geo', 'parse');
  }
  return { ...place, address: hasAddress ? place.address : undefined };
}

function missing(members: Members, name: string): never {
  throw new MappingError(`${members.at}.${name}`, `geo has no ${name}`, 'parse');
}

export function readEvent(value: unknown, location: string): LogisticsEvent {
  if (!isObject(value)) throw new MappingError(location, 'an event is a JSON object', 'parse');
  const m = new Members(value, location);
  return {
    location,
    eventId: m.required('eventId', checkEventId, 'it is the key that makes a repeated event change nothing'),
    type: m.required('type', any, 'it says what happened'),
    occurredAt: m.required(
      'occurredAt',
      (t) => readWhen(t, { dutch: false, dateOnly: false }),
      'the time of the event decides whether a late event changes anything',
    ),
    sscc: m.required('sscc', checkSscc, 'it names the shipment'),
    orderNumber: m.required('orderNumber', checkOrderNumber, 'it names the delivery request'),
    gtin: m.checked('gtin', checkGtin),
    serial: m.checked('serial', (t) => checkGs1Text('serial', t)),
    lot: m.checked('lot', (t) => checkGs1Text('lot', t)),
    quantity: m.number('quantity', [1, 999_999], true),
    owner: m.checked('owner', checkOwner),
    place: readPlace(m.nested('location')),
    receivedBy: m.text('receivedBy'),
    reason: m.text('reason'),
  };
}

function checkEventId(text: string): Checked<string> {
  return /^[\x21-\x7e]{1,128}$/.test(text)
    ? { ok: true, value: text }
    : { ok: false, reason: `eventId ${text} is not up to 128 printable characters without spaces` };
}
