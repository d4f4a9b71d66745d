// Out-of-order input: a message older than what the hub holds for an object (by the message's own time) never
// overwrites it. Every object a message creates or replaces carries the time of the message that last set it
// (extension hub-ext-source-time); an entry whose object holds a later time is left out, and references to it
// find the object as it is. The message is still accepted, logged and given its Provenance.
// The same step, which reads the held object under a row lock anyway, keeps on the replacement the extensions other
// messages added (the adapter's `keptOnReplace`), and turns the conditional update into an update of the id it
// found, so that the transaction does not search for it a second time.
import type { Bundle, BundleEntry, Extension, Resource } from '@medplum/fhirtypes';
import type { Repository } from '../contracts/repository.js';

const SOURCE_TIME_URL = 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-source-time';

const CONDITIONAL_UPDATE = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** The extensions of a resource (none: an empty list). */
function extensionsOf(resource: Resource | undefined): Extension[] {
  return (resource as { extension?: Extension[] } | undefined)?.extension ?? [];
}

/** The source time an object holds, if any. */
function heldSourceTime(resource: Resource): string | undefined {
  return extensionsOf(resource).find((e) => e.url === SOURCE_TIME_URL)?.valueDateTime;
}

/** The replacement with the message's time, and with the held object's extensions of the kept urls it lacks. */
function replacement<T extends Resource>(
  resource: T,
  time: string,
  held: Resource | undefined,
  kept: ReadonlySet<string>,
): T {
  const own = extensionsOf(resource).filter((e) => e.url !== SOURCE_TIME_URL);
  const ownUrls = new Set(own.map((e) => e.url));
  const carried = extensionsOf(held).filter((e) => kept.has(e.url) && !ownUrls.has(e.url));
  return { ...resource, extension: [...own, ...carried, { url: SOURCE_TIME_URL, valueDateTime: time }] };
}

/**
 * The Bundle with the message's time on every object it replaces, less the entries whose object holds a later
 * time (their criteria listed in `olderThanHeld`). Runs inside the message's transaction, before its entries.
 */
export async function applyNewerOnly(
  repository: Repository,
  bundle: Bundle,
  time: string,
  keptOnReplace: readonly string[] = [],
): Promise<{ bundle: Bundle; olderThanHeld: string[] }> {
  const kept = new Set(keptOnReplace);
  const olderThanHeld: string[] = [];
  const replaced = new Map<string, string>();
  const entries: BundleEntry[] = [];
  for (const entry of bundle.entry ?? []) {
    const match = entry.request?.method === 'PUT' ? CONDITIONAL_UPDATE.exec(entry.request.url) : null;
    if (!match || !entry.resource) {
      entries.push(entry);
      continue;
    }
    const [, type, criteria] = match as unknown as [string, string, string];
    const ids = await repository.findIds(type, criteria, 2, { lock: true });
    if (ids.length !== 1) {
      // None: a create; several: the transaction answers "multiple matches" for the criteria.
      entries.push({ ...entry, resource: replacement(entry.resource, time, undefined, kept) });
      continue;
    }
    const id = ids[0]!;
    const held = JSON.parse((await repository.read(type, id)).json) as Resource;
    const heldTime = heldSourceTime(held);
    if (heldTime && Date.parse(heldTime) > Date.parse(time)) {
      olderThanHeld.push(entry.request!.url);
      if (entry.fullUrl) replaced.set(entry.fullUrl, entry.request!.url);
      continue;
    }
    // The row is locked until the transaction ends, so the id found is the one the update must replace.
    entries.push({
      ...entry,
      resource: { ...replacement(entry.resource, time, held, kept), id },
      request: { ...entry.request!, url: `${type}/${id}` },
    });
  }
  if (!olderThanHeld.length) return { bundle: { ...bundle, entry: entries }, olderThanHeld };
  // The entries left find the objects left out by their criteria: they stay as the hub holds them.
  const text = JSON.stringify(entries, (key, value) =>
    key === 'reference' && typeof value === 'string' && replaced.has(value) ? replaced.get(value) : value,
  );
  return { bundle: { ...bundle, entry: JSON.parse(text) as BundleEntry[] }, olderThanHeld };
}
