// A CSV body cut into records (the header line and the rows) with the line each starts on, then each record's
// fields read by csv-parse. Cutting first keeps every row's own text, so that it can be quarantined and replayed
// alone (header line + that row), and an unreadable row stays that row's problem instead of the file's.
import { parse } from 'csv-parse/sync';
import { MappingError } from '../adapter.js';

export interface CsvRecord {
  /** The record's text as in the file, without its line ending (quoted line breaks kept). */
  readonly text: string;
  /** The line of the file it starts on (1-based). */
  readonly line: number;
}

export interface CsvBody {
  readonly header: CsvRecord;
  readonly rows: readonly CsvRecord[];
  readonly delimiter: ';' | ',';
  /** The line ending of the header line, used again when a row is replayed with it. */
  readonly eol: '\r\n' | '\n';
}

/** Cuts `body` into records at line breaks outside quotes. A quote left open is the file's problem: nothing after it can be cut. */
function records(body: string): { records: CsvRecord[]; eol: '\r\n' | '\n' } {
  const found: CsvRecord[] = [];
  let eol: '\r\n' | '\n' | undefined;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let quoted = false;
  let quoteLine = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      quoted = !quoted;
      if (quoted) quoteLine = line;
    } else if (c === '\n') {
      if (!quoted) {
        const crlf = i > start && body[i - 1] === '\r';
        eol ??= crlf ? '\r\n' : '\n';
        found.push({ text: body.slice(start, crlf ? i - 1 : i), line: startLine });
        start = i + 1;
        startLine = line + 1;
      }
      line++;
    }
  }
  if (quoted) {
    throw new MappingError(`line ${quoteLine}`, 'a quoted field opened on this line is never closed', 'parse');
  }
  const last = body.slice(start).replace(/\r$/, '');
  if (last !== '') found.push({ text: last, line: startLine });
  return { records: found, eol: eol ?? '\n' };
}

/** ';' or ',', whichever the header line has more of outside quotes (Excel in a Dutch locale writes ';'). */
function detectDelimiter(header: string): ';' | ',' {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ';') semicolons++;
    else if (!quoted && c === ',') commas++;
  }
  return semicolons > commas ? ';' : ',';
}

export function readBody(body: string): CsvBody {
  const text = body.startsWith('\uFEFF') ? body.slice(1) : body;
  const { records: all, eol } = records(text);
  const nonEmpty = all.filter((r) => r.text.trim() !== '');
  const [header, ...rows] = nonEmpty;
  if (!header) {
    throw new MappingError('line 1', 'the file is empty: a delivery report starts with a header line', 'parse');
  }
  return { header, rows, delimiter: detectDelimiter(header.text), eol };
}

/** The fields of one record, by csv-parse; a record it cannot read is a MappingError at `location`. */
export function fieldsOf(record: CsvRecord, delimiter: ';' | ',', location: string): string[] {
  try {
    const parsed = parse(record.text, { delimiter, relax_column_count: true }) as string[][];
    return parsed[0] ?? [];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MappingError(location, `the fields cannot be read: ${reason}`, 'parse');
  }
}
