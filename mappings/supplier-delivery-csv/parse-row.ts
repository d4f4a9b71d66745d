// The header line read into fields, and one row read into the adapter's model: every value present is checked for
// its form here (stage parse); what the hub additionally needs, and the status words, are the mapping's (map-row.ts).
import type { Identifier } from '@medplum/fhirtypes';
import { MappingError } from '../adapter.js';
import { COLUMNS, FIELD_BY_HEADER, type Field, headerKey } from './code-maps.js';
import { type CsvBody, fieldsOf } from './csv-records.js';
import { readWhen, type When } from './date-time.js';
import {
  type Checked,
  checkGs1Text,
  checkGtin,
  checkOrderNumber,
  checkOwner,
  checkSscc,
  type Gtin,
} from './identifiers.js';

export interface Header {
  /** Column index -> field; columns the adapter does not know are left out (and not read). */
  readonly fieldAt: ReadonlyMap<number, Field>;
  /** Field -> the header name as the file writes it, for messages the sender recognises. */
  readonly names: Readonly<Partial<Record<Field, string>>>;
  readonly count: number;
}

export interface DeliveryRow {
  /** "row N": the line of the file the row starts on. */
  readonly location: string;
  readonly names: Header['names'];
  readonly orderNumber: string;
  readonly gtin: Gtin;
  readonly serial?: string;
  readonly lot?: string;
  readonly sscc?: string;
  readonly deliveredAt: When;
  readonly receiver?: string;
  /** As written; the status words are a code map of the mapping. */
  readonly status: string;
  readonly quantity?: number;
  readonly reason?: string;
  readonly owner?: Identifier;
}

const describe = (field: Field): string => {
  const [first, ...others] = COLUMNS[field].names;
  return others.length ? `${first} (or ${others.join(', ')})` : first;
};

export function readHeader(csv: CsvBody): Header {
  const at = `line ${csv.header.line}`;
  const cells = fieldsOf(csv.header, csv.delimiter, at);
  const fieldAt = new Map<number, Field>();
  const names: Partial<Record<Field, string>> = {};
  cells.forEach((cell, index) => {
    const field = FIELD_BY_HEADER.get(headerKey(cell));
    if (!field) return;
    if (names[field] !== undefined) {
      throw new MappingError(
        at,
        `the columns "${names[field]}" and "${cell.trim()}" both name ${describe(field)}`,
        'parse',
      );
    }
    names[field] = cell.trim();
    fieldAt.set(index, field);
  });
  const missing = (Object.keys(COLUMNS) as Field[]).filter((f) => COLUMNS[f].required && names[f] === undefined);
  if (missing.length) {
    const list = missing.map(describe).join('; ');
    throw new MappingError(at, `the header line has no column ${list}`, 'parse');
  }
  return { fieldAt, names, count: cells.length };
}

/** Where a field of a row sits: "row 4, column GTIN" (or just the row when the file has no such column). */
export function cellOf(row: { location: string; names: Header['names'] }, field: Field): string {
  const name = row.names[field];
  return name === undefined ? row.location : `${row.location}, column ${name}`;
}

export function readRow(header: Header, cells: readonly string[], location: string): DeliveryRow {
  if (cells.length !== header.count) {
    throw new MappingError(
      location,
      `the row has ${cells.length} fields and the header line ${header.count}: a separator is missing or extra, or a field holding one is not quoted`,
      'parse',
    );
  }
  const values: Partial<Record<Field, string>> = {};
  for (const [index, field] of header.fieldAt) {
    const value = cells[index].trim();
    if (value !== '') values[field] = value;
  }
  const where = (field: Field) => cellOf({ location, names: header.names }, field);
  const take = <T>(field: Field, check: (text: string) => Checked<T>): T | undefined => {
    const text = values[field];
    if (text === undefined) return undefined;
    const checked = check(text);
    if (!checked.ok) throw new MappingError(where(field), checked.reason, 'parse');
    return checked.value;
  };
  const need = <T>(field: Field, what: string, check: (text: string) => Checked<T>): T => {
    const value = take(field, check);
    if (value === undefined) throw new MappingError(where(field), `the row has no ${what}`, 'parse');
    return value;
  };
  return {
    location,
    names: header.names,
    orderNumber: need('orderNumber', 'order number: each row names the delivery request it answers', checkOrderNumber),
    gtin: need('gtin', 'GTIN of the item', checkGtin),
    serial: take('serial', (t) => checkGs1Text('serial', t)),
    lot: take('lot', (t) => checkGs1Text('lot', t)),
    sscc: take('sscc', checkSscc),
    deliveredAt: need('deliveredAt', 'time of delivery or collection', (t) =>
      readWhen(t, { dutch: true, dateOnly: true }),
    ),
    receiver: values.receiver,
    status: need('status', 'status', (t) => ({ ok: true, value: t })),
    quantity: take('quantity', checkQuantity),
    reason: values.reason,
    owner: take('owner', checkOwner),
  };
}

function checkQuantity(text: string): Checked<number> {
  if (!/^\d{1,6}$/.test(text) || Number(text) === 0) {
    return { ok: false, reason: `quantity ${text} is not a whole number of items above 0` };
  }
  return { ok: true, value: Number(text) };
}
