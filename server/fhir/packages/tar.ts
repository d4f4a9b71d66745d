// The regular files of a tar archive, read in memory. Written here rather than taken from the `tar` package
// because a FHIR package only needs the read side of one format family: 512-byte blocks, each file a header
// followed by its data. Long names come in the three ways tar writers use: the ustar `prefix` field, a pax `x`
// header's `path` record, and GNU's `L` (././@LongLink) entry, which is what GNU tar writes by default.
// Nothing is extracted to disk, so entry names cannot escape anywhere; links, directories and devices are skipped.

export interface TarEntry {
  /** The path inside the archive, as stored ("package/StructureDefinition-x.json"). */
  name: string;
  data: Buffer;
}

const BLOCK = 512;

class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  // A pax `x` or GNU `L` entry describes the entry that follows it.
  let nextName: string | undefined;
  let nextSize: number | undefined;
  let offset = 0;
  while (offset < archive.length) {
    if (offset + BLOCK > archive.length) {
      throw new TarError(
        offset === 0
          ? 'Not a tar archive: shorter than one header'
          : `Truncated tar archive: ${archive.length - offset} stray bytes after byte ${offset}`,
      );
    }
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) {
      break; // end of archive (two zero blocks; the first is enough)
    }
    verifyChecksum(header, offset);
    const type = String.fromCharCode(header[156] || 0x30);
    const size = nextSize ?? readNumber(header.subarray(124, 136), offset);
    const dataStart = offset + BLOCK;
    if (dataStart + size > archive.length) {
      throw new TarError(`Truncated tar archive: the entry at byte ${offset} needs ${size} bytes of data`);
    }
    const data = archive.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      const records = readPaxRecords(data);
      nextName = records.get('path') ?? nextName;
      nextSize = records.has('size') ? Number(records.get('size')) : nextSize;
      continue;
    }
    if (type === 'L') {
      nextName = readString(data);
      continue;
    }
    const name = nextName ?? headerName(header);
    nextName = undefined;
    nextSize = undefined;
    if (type === '0' || type === '7') {
      entries.push({ name, data: Buffer.from(data) });
    }
  }
  return entries;
}

function headerName(header: Buffer): string {
  const name = readString(header.subarray(0, 100));
  // Only POSIX ustar ("ustar\0") has a prefix field; GNU's "ustar  " header keeps other data there.
  const isUstar = header.subarray(257, 263).toString('latin1') === 'ustar\u0000';
  const prefix = isUstar ? readString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function verifyChecksum(header: Buffer, offset: number): void {
  const stored = readNumber(header.subarray(148, 156), offset);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    // The checksum field itself counts as eight spaces.
    sum += i >= 148 && i < 156 ? 0x20 : header[i];
  }
  if (sum !== stored) {
    throw new TarError(`Not a tar archive, or a damaged one: bad header checksum at byte ${offset}`);
  }
}

/** Octal text, NUL- or space-terminated; or GNU base-256 (high bit of the first byte set) for large sizes. */
function readNumber(field: Buffer, offset: number): number {
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + field[i];
    }
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (text === '') {
    return 0;
  }
  if (!/^[0-7]+$/.test(text)) {
    throw new TarError(`Not a tar archive, or a damaged one: bad number "${text}" in the header at byte ${offset}`);
  }
  return parseInt(text, 8);
}

function readString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** pax records: "<length> <key>=<value>\n", the length counting the whole record in bytes. */
function readPaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let position = 0;
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    const length = space < 0 ? NaN : Number(data.subarray(position, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || position + length > data.length) {
      throw new TarError('Damaged tar archive: a pax header record has a bad length');
    }
    const record = data.subarray(space + 1, position + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) {
      records.set(record.slice(0, equals), record.slice(equals + 1));
    }
    position += length;
  }
  return records;
}
