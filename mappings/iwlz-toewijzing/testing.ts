// Test helpers of this adapter: the schema folder from the reference material, fixtures, and a body run through
// split, parse and map the way the ingest path does, with refusals as the golden files record them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Adapter, type MappedMessage, MappingError } from '../adapter.js';
import type { Parsed } from './parse-messages.js';

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

export function fixturePath(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}

export function schemaDirOf(externalFolder: string): string {
  return path.join(externalFolder, 'XSD');
}

export type Outcome =
  | MappedMessage
  | { readonly error: { readonly location: string; readonly stage: 'parse' | 'map'; readonly message: string } };

function refusal(error: unknown): Outcome {
  if (!(error instanceof MappingError)) {
    throw error; // a crash, not a refusal: the test must fail
  }
  return { error: { location: error.location, stage: error.stage, message: error.message } };
}

/** Every message of a body, mapped or refused. */
export async function runBody(adapter: Adapter<Parsed>, body: string): Promise<Outcome[]> {
  let messages: ReturnType<typeof adapter.split>;
  try {
    messages = adapter.split(body);
  } catch (error) {
    return [refusal(error)];
  }
  const outcomes: Outcome[] = [];
  for (const message of messages) {
    try {
      const parsed = await adapter.parse(message);
      outcomes.push(adapter.map(parsed, { receivedAt: '2025-10-01T09:00:00+02:00' }));
    } catch (error) {
      outcomes.push(refusal(error));
    }
  }
  return outcomes;
}

export function isMapped(outcome: Outcome): outcome is MappedMessage {
  return 'bundle' in outcome;
}

/** The one mapped message of a body, or a failure naming the refusal. */
export async function mapOne(adapter: Adapter<Parsed>, body: string): Promise<MappedMessage> {
  const [outcome] = await runBody(adapter, body);
  if (!outcome || !isMapped(outcome)) {
    throw new Error(`expected a mapped message, got ${JSON.stringify(outcome)}`);
  }
  return outcome;
}

/** The one refusal of a body, or a failure when it mapped. */
export async function refusalOf(adapter: Adapter<Parsed>, body: string): Promise<MappingError> {
  const [outcome] = await runBody(adapter, body);
  if (!outcome || isMapped(outcome)) {
    throw new Error('expected a refusal, but the message mapped');
  }
  return new MappingError(outcome.error.location, outcome.error.message, outcome.error.stage);
}
