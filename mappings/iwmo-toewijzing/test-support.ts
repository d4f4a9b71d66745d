// Shared by this adapter's tests: the fixtures, and one body run through split, parse and map as the ingest path
// would, each message ending as a mapped message or the MappingError that refused it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MappingError, type MappedMessage, type SourceMessage } from '../adapter.js';
import { createIwmoToewijzingAdapter } from './adapter.js';
import type { IwmoMessage } from './model.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The retour's clock is fixed, so that replies are reproducible. */
export const adapter = createIwmoToewijzingAdapter({ now: () => new Date('2025-10-03T10:00:00Z') });

const CONTEXT = { receivedAt: '2025-10-03T12:00:00+02:00' };

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => f.slice(0, -'.xml'.length))
    .sort();
}

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, `${name}.xml`), 'utf8');
}

export type Outcome =
  | { message: SourceMessage; parsed: IwmoMessage; mapped: MappedMessage }
  | { message: SourceMessage; parsed?: IwmoMessage; error: MappingError };

export async function run(body: string): Promise<Outcome[]> {
  let messages: SourceMessage[];
  try {
    messages = adapter.split(body);
  } catch (error) {
    return [{ message: { raw: body, location: 'body' }, error: asMappingError(error) }];
  }
  const outcomes: Outcome[] = [];
  for (const message of messages) {
    let parsed: IwmoMessage | undefined;
    try {
      parsed = await adapter.parse(message);
      outcomes.push({ message, parsed, mapped: adapter.map(parsed, CONTEXT) });
    } catch (error) {
      outcomes.push({ message, parsed, error: asMappingError(error) });
    }
  }
  return outcomes;
}

/** The one message of a body that must map. */
export async function mapOne(body: string): Promise<MappedMessage> {
  const [outcome] = await run(body);
  if ('error' in outcome) {
    throw new Error(`expected a mapped message, got ${outcome.error.location}: ${outcome.error.message}`);
  }
  return outcome.mapped;
}

/** The refusal of a body that must not map. */
export async function refusal(body: string): Promise<{ location: string; stage: string; message: string }> {
  const [outcome] = await run(body);
  if (!('error' in outcome)) {
    throw new Error('expected a MappingError, the message mapped');
  }
  return { location: outcome.error.location, stage: outcome.error.stage, message: outcome.error.message };
}

function asMappingError(error: unknown): MappingError {
  if (error instanceof MappingError) {
    return error;
  }
  throw error; // anything else is a crash, which the tests must see
}

/** The golden form of a body's outcomes. */
export function golden(outcomes: Outcome[]): unknown[] {
  return outcomes.map((o) =>
    'error' in o
      ? { error: { location: o.error.location, stage: o.error.stage, message: o.error.message } }
      : { key: o.mapped.key, time: o.mapped.time, bundle: o.mapped.bundle },
  );
}
