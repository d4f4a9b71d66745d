// Reads the FHIR resources of a conformance package, from a folder or from a package tarball (.tgz: gzip'd tar
// with a top folder package/, as the FHIR package registry serves them), JSON and XML alike.
// A file that cannot be read is a problem to report, not a reason to give up on the package; a file that is
// not a FHIR resource (JSON without a string resourceType, XML outside the FHIR namespace) is skipped quietly,
// as packages carry such files (openapi/, .simplifier/ settings). Files are read in sorted path order, so the
// result does not depend on the file system.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Resource } from '@medplum/fhirtypes';
import { FhirXmlError, parseFhirXml } from '../xml/parse-fhir-xml.js';
import type { TarEntry } from './tar.js';
import { readTar } from './tar.js';

export interface PackageContents {
  /** package.json name and version when present */
  name?: string;
  version?: string;
  /** Every FHIR resource found, JSON or XML, in file order. */
  resources: Resource[];
  /** Files that could not be read (not fatal). */
  problems: { file: string; message: string }[];
}

interface PackageFile {
  /** Relative to the folder, or the path inside the tarball; always with "/". */
  path: string;
  read: () => Promise<Buffer>;
}

// Package bookkeeping, not resources (package.json is read for name and version only).
const SKIPPED_FILES = new Set(['package.json', '.index.json', 'fhirpkg.lock.json']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const gunzipAsync = promisify(gunzip);

/** Throws only when the package as a whole cannot be opened (no such path, not a folder or tarball). */
export async function readPackage(path: string): Promise<PackageContents> {
  const isFolder = (await stat(path)).isDirectory();
  const files = isFolder ? await folderFiles(path) : await tarballFiles(path);
  const manifest = files.find((file) => file.path === (isFolder ? 'package.json' : 'package/package.json'));
  const contents: PackageContents = { resources: [], problems: [] };
  if (manifest) {
    readManifest(manifest.path, await manifest.read(), contents);
  }
  for (const file of files) {
    const base = file.path.slice(file.path.lastIndexOf('/') + 1);
    const extension = base.slice(base.lastIndexOf('.')).toLowerCase();
    if (SKIPPED_FILES.has(base) || (extension !== '.json' && extension !== '.xml')) {
      continue;
    }
    try {
      const resource = parseFile(utf8.decode(await file.read()), extension);
      if (resource) {
        contents.resources.push(resource);
      }
    } catch (err) {
      contents.problems.push({ file: file.path, message: problemText(err) });
    }
  }
  return contents;
}

/** The resource in a file, or undefined when the file is not a FHIR resource. */
function parseFile(text: string, extension: string): Resource | undefined {
  const content = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (extension === '.xml') {
    try {
      return parseFhirXml(content);
    } catch (err) {
      if (err instanceof FhirXmlError && err.code === 'not-fhir') {
        return undefined;
      }
      throw err;
    }
  }
  const json: unknown = JSON.parse(content);
  const isResource =
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    typeof (json as Resource).resourceType === 'string';
  return isResource ? (json as Resource) : undefined;
}

function readManifest(path: string, data: Buffer, contents: PackageContents): void {
  try {
    const manifest = JSON.parse(utf8.decode(data)) as { name?: unknown; version?: unknown };
    if (typeof manifest.name === 'string') {
      contents.name = manifest.name;
    }
    if (typeof manifest.version === 'string') {
      contents.version = manifest.version;
    }
  } catch (err) {
    contents.problems.push({ file: path, message: problemText(err) });
  }
}

function problemText(err: unknown): string {
  if (err instanceof SyntaxError) {
    return `Not valid JSON: ${err.message}`;
  }
  if (err instanceof TypeError && (err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
    return 'Not valid UTF-8';
  }
  return err instanceof Error ? err.message : String(err);
}

async function folderFiles(root: string): Promise<PackageFile[]> {
  const paths: string[] = [];
  await walk(root, '', paths);
  return paths.sort(byCodeUnit).map((path) => ({ path, read: () => readFile(join(root, path)) }));
}

async function walk(root: string, relative: string, paths: string[]): Promise<void> {
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      await walk(root, path, paths);
    } else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(join(root, path))).isFile())) {
      // Symbolic links to files are followed, links to folders are not (no cycles).
      paths.push(path);
    }
  }
}

async function tarballFiles(path: string): Promise<PackageFile[]> {
  const bytes = await readFile(path);
  let entries: TarEntry[];
  try {
    // A plain (not gzip'd) tar is accepted as well; anything else fails the tar header checksum.
    const isGzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
    entries = readTar(isGzip ? await gunzipAsync(bytes) : bytes);
  } catch (err) {
    throw new Error(`${path} is neither a folder nor a readable package tarball: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return entries
    .map((entry) => ({ path: entry.name.replace(/^(\.\/)+/, ''), read: async () => entry.data }))
    .sort((a, b) => byCodeUnit(a.path, b.path));
}

/** Plain UTF-16 code unit order: the same on every machine and locale. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
