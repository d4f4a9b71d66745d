// A body into HL7 messages: each starts at an MSH segment; segments end in \r, \n or \r\n; batch and file wrappers
// (FHS, BHS, BTS, FTS) are dropped. Lines before the first MSH that are not wrappers become a message of their own,
// so that parse refuses them (and they are quarantined) without holding back the messages that follow.
import type { SourceMessage } from '../adapter.js';
import { refuse } from './errors.js';

const WRAPPERS = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

export function splitBody(body: string): SourceMessage[] {
  const lines = body
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trim() !== '');
  const groups: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const name = line.slice(0, 3);
    if (WRAPPERS.has(name) && !/^[A-Z0-9]$/.test(line.charAt(3))) {
      current = undefined;
      continue;
    }
    if (name === 'MSH' || !current) {
      current = [];
      groups.push(current);
    }
    current.push(line);
  }
  if (groups.length === 0) {
    throw refuse.segment('body', 'the body holds no HL7 message: expects segments starting with MSH', 'parse');
  }
  return groups.map((segments, i) => ({ raw: segments.join('\r'), location: `message ${i + 1}` }));
}
