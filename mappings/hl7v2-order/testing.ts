// Helpers of this adapter's tests: read a fixture, change one field or segment of a message, and run a message
// through split, parse and map.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { MappingError, type MappedMessage, type MappingContext } from '../adapter.js';
import { hl7v2OrderAdapter } from './adapter.js';
import type { ParsedOrderMessage } from './parse.js';

export const FIXTURES = new URL('./fixtures/', import.meta.url);

export const CONTEXT: MappingContext = { receivedAt: '2025-03-10T14:31:00+01:00' };

export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** Sets field `field` (HL7 numbering, MSH-3 is 3) of the `occurrence`-th segment `name`, adding empty fields as needed. */
export function setField(raw: string, name: string, field: number, value: string, occurrence = 1): string {
  let seen = 0;
  return lines(raw)
    .map((line) => {
      if (!line.startsWith(`${name}|`) || ++seen !== occurrence) {
        return line;
      }
      const fields = line.split('|');
      const index = name === 'MSH' ? field - 1 : field;
      while (fields.length <= index) fields.push('');
      fields[index] = value;
      return fields.join('|');
    })
    .join('\r');
}

/** The message without its segments named `name`. */
export function dropSegments(raw: string, name: string): string {
  return lines(raw)
    .filter((line) => !line.startsWith(`${name}|`))
    .join('\r');
}

/** The message with `segment` inserted after the first segment named `after`. */
export function insertAfter(raw: string, after: string, segment: string): string {
  const all = lines(raw);
  const at = all.findIndex((line) => line.startsWith(`${after}|`));
  all.splice(at + 1, 0, segment);
  return all.join('\r');
}

function lines(raw: string): string[] {
  return raw.split(/\r\n|\r|\n/).filter((line) => line !== '');
}

export function parseOne(raw: string): ParsedOrderMessage {
  const [message] = hl7v2OrderAdapter.split(raw);
  return hl7v2OrderAdapter.parse(message) as ParsedOrderMessage;
}

export function mapOne(raw: string, context: MappingContext = CONTEXT): MappedMessage {
  return hl7v2OrderAdapter.map(parseOne(raw), context);
}

/** The MappingError that `run` throws (the test fails when it throws nothing or something else). */
export function refusal(run: () => unknown): MappingError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(MappingError);
    return err as MappingError;
  }
  throw new Error('expected a MappingError, nothing was thrown');
}

/** The resources of a mapped message of one type. */
export function resources<T>(mapped: MappedMessage, type: string): T[] {
  return (mapped.bundle.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === type) as T[];
}
