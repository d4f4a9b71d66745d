// Out-of-order input: a message older than what the hub holds for an object (by the message's own time) never
// overwrites it. Every object a message creates or replaces carries the time of the message that last set it
// (extension hub-ext-source-time); an entry whose object holds a later time is left out, and references to it
// find the object as it is. The message is still accepted, logged and given its Provenance.
import type { Bundle, BundleEntry, Extension, Resource } from '@medplum/fhirtypes';
import type { Repository } from '../contracts/repository.js';

const SOURCE_TIME_URL = 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-source-time';

const CONDITIONAL_UPDATE = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** The source time an object holds, if any. */
function heldSourceTime(resource: Resource): string | undefined {
  const extensions = (resource as { extension?: Extension[] }).extension ?? [];
  return extensions.find((e) => e.url === SOURCE_TIME_URL)?.valueDateTime;
}

function withSourceTime<T extends Resource>(resource: T, time: string): T {
  const others = ((resource as { extension?: Extension[] }).extension ?? []).filter((e) => e.url !== SOURCE_TIME_URL);
  return { ...resource, extension: [...others, { url: SOURCE_TIME_URL, valueDateTime: time }] };
}

/**
 * The Bundle with the message's time on every object it replaces, less the entries whose object holds a later
 * time (their criteria listed in `olderThanHeld`). Runs inside the message's transaction, before its entries.
 */
export async function applyNewerOnly(
  repository: Repository,
  bundle: Bundle,
  time: string,
): Promise<{ bundle: Bundle; olderThanHeld: string[] }> {
  const olderThanHeld: string[] = [];
  const replaced = new Map<string, string>();
  const kept: BundleEntry[] = [];
  for (const entry of bundle.entry ?? []) {
    const match = entry.request?.method === 'PUT' ? CONDITIONAL_UPDATE.exec(entry.request.url) : null;
    if (!match || !entry.resource) {
      kept.push(entry);
      continue;
    }
    const [, type, criteria] = match as unknown as [string, string, string];
    const ids = await repository.findIds(type, criteria, 2, { lock: true });
    const held = ids.length === 1 ? heldSourceTime(JSON.parse((await repository.read(type, ids[0]!)).json)) : undefined;
    if (held && Date.parse(held) > Date.parse(time)) {
      olderThanHeld.push(entry.request!.url);
      if (entry.fullUrl) replaced.set(entry.fullUrl, entry.request!.url);
      continue;
    }
    kept.push({ ...entry, resource: withSourceTime(entry.resource, time) });
  }
  if (!olderThanHeld.length) return { bundle: { ...bundle, entry: kept }, olderThanHeld };
  // The entries left find the objects left out by their criteria: they stay as the hub holds them.
  const text = JSON.stringify(kept, (key, value) =>
    key === 'reference' && typeof value === 'string' && replaced.has(value) ? replaced.get(value) : value,
  );
  return { bundle: { ...bundle, entry: JSON.parse(text) as BundleEntry[] }, olderThanHeld };
}
