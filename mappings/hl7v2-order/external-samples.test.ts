// The adapter over every HL7 v2 order sample of Microsoft's FHIR-Converter (US messages, no BSN): split, parse and
// map never throw anything but a MappingError; each message is refused at PID-3 (or, for OML^O21, at MSH-9); and
// what parse reads (patient names, birth date, placer and filler numbers) agrees with the converter's FHIR output.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireExternal } from '../../test/support/external-material.js';
import { MappingError } from '../adapter.js';
import { hl7v2OrderAdapter as adapter } from './adapter.js';
import { fhirDate } from './hl7-time.js';
import { humanName, XPN } from './map-person.js';
import type { ParsedOrderMessage } from './parse.js';

const folder = requireExternal('fhir-converter-hl7v2');

interface KeyFields {
  names: { family?: string; given: string[] }[];
  birthDate?: string;
  placers: string[];
  fillers: string[];
}

/**
 * The key fields as parse reads them, through the readers the mapping uses (humanName, fhirDate); order numbers with
 * the converter's precedence (OBR-2/3 over ORC-2/3; the mapping itself refuses the two when they differ).
 */
function keyFields(parsed: ParsedOrderMessage): KeyFields {
  const pid = parsed.pid;
  const numbers = (field: 2 | 3) =>
    parsed.orders.flatMap((o) => [o.obr[0]?.value(field) ?? o.orc.value(field)].filter((v): v is string => !!v));
  return {
    names: (pid?.reps(5) ?? []).map((rep) => {
      const name = humanName(rep, XPN);
      return { family: name.family, given: name.given ?? [] };
    }),
    birthDate: fhirDate(pid?.value(7) ?? ''),
    placers: numbers(2),
    fillers: numbers(3),
  };
}

interface Expected {
  patient?: { name?: { family?: string; given?: string[] }[]; birthDate?: string };
  placers: Set<string>;
  fillers: Set<string>;
}

/** The same fields from the converter's expected Bundle: the Patient, and PLAC / FILL identifiers of any resource. */
function expectedFields(file: string): Expected {
  const bundle = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as {
    entry?: { resource: { resourceType: string; identifier?: unknown } }[];
  };
  const resources = (bundle.entry ?? []).map((e) => e.resource);
  const typed = (code: string) =>
    new Set(
      resources.flatMap((r) =>
        (Array.isArray(r.identifier) ? r.identifier : [])
          .filter((i: { type?: { coding?: { code?: string }[] } }) => i.type?.coding?.some((c) => c.code === code))
          .map((i: { value?: string }) => i.value)
          .filter((v): v is string => !!v),
      ),
    );
  return {
    patient: resources.find((r) => r.resourceType === 'Patient') as Expected['patient'],
    placers: typed('PLAC'),
    fillers: typed('FILL'),
  };
}

describe.skipIf(!folder.available)('FHIR-Converter HL7 v2 order samples', () => {
  const inputs = folder.available ? readdirSync(path.join(folder.path, 'input')).filter((f) => f.endsWith('.hl7')) : [];

  it('has samples to run over', () => {
    expect(inputs.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of inputs) {
    it(`${name}: refused cleanly, and parse agrees with the converter on names, birth date and order numbers`, () => {
      const body = readFileSync(path.join(folder.path, 'input', name), 'utf8');
      const messages = adapter.split(body);
      expect(messages.length).toBeGreaterThan(0);
      for (const message of messages) {
        let parsed: ParsedOrderMessage;
        try {
          parsed = adapter.parse(message) as ParsedOrderMessage;
        } catch (err) {
          expect(err).toBeInstanceOf(MappingError);
          // OML^O21 is not an order for an aid: refused at MSH-9, by design.
          expect([(err as MappingError).location, message.raw]).toEqual(['MSH-9', expect.stringMatching(/\|OML\^O21/)]);
          continue;
        }
        const mapping = () => adapter.map(parsed, { receivedAt: '2021-10-20T12:00:00+02:00' });
        expect(mapping).toThrow(MappingError);
        try {
          mapping();
        } catch (err) {
          expect([(err as MappingError).location, (err as Error).message]).toEqual([
            'PID-3',
            expect.stringMatching(/^no BSN/),
          ]);
        }

        const expected = expectedFields(path.join(folder.path, 'expected', name.replace(/\.hl7$/, '-expected.json')));
        const ours = keyFields(parsed);
        expect(ours.birthDate).toBe(expected.patient?.birthDate);
        expect(ours.names.length).toBeGreaterThan(0);
        for (const n of ours.names) {
          const match = expected.patient?.name?.find(
            (e) => e.family === n.family && n.given.every((g, i) => e.given?.[i] === g),
          );
          expect(match, `name ${JSON.stringify(n)}`).toBeDefined();
        }
        for (const placer of ours.placers) expect(expected.placers).toContain(placer);
        for (const filler of ours.fillers) expect(expected.fillers).toContain(filler);
      }
    });
  }

  it('compares order numbers at all (the samples hold some)', () => {
    const all = inputs.flatMap((name) =>
      adapter.split(readFileSync(path.join(folder.path, 'input', name), 'utf8')).flatMap((m) => {
        try {
          return keyFields(adapter.parse(m) as ParsedOrderMessage).placers;
        } catch {
          return [];
        }
      }),
    );
    expect(all.length).toBeGreaterThanOrEqual(5);
  });
});
