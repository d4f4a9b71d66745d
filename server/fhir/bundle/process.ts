// batch and transaction: POST / with a Bundle (http://hl7.org/fhir/R4/http.html#transaction).
// A transaction runs in one database transaction: references between entries are resolved first, then every
// entry runs through the same interaction as its REST call; any failure rolls everything back and the answer
// names the failing entry. A batch runs each entry on its own and reports each entry's outcome.
import { errors, type HubError } from '../../errors.js';
import type { Repository } from '../../contracts/repository.js';
import { outcomeForError, prefixExpressions } from '../outcome.js';
import type { FhirRequest, Interaction, InteractionContext } from '../request.js';
import { matchRoute } from '../router.js';
import { processingOrder, readBundle, type BundleWork } from './entries.js';
import { entryResponseJson, errorEntryJson } from './entry-response.js';
import { resolveReferences } from './references.js';
import { newResourceId } from '../../storage/resource-id.js';

const CONDITIONAL_URL = /^([A-Z][A-Za-z]+)\?(.*)$/;

export const batchOrTransaction: Interaction = async (request, context) => {
  const { type, work } = readBundle(request.body, context.maxBundleEntries);
  const entries = type === 'transaction' ? await runTransaction(work, context) : await runBatch(work, context);
  const json = `{"resourceType":"Bundle","type":"${type}-response","entry":[${entries.join(',')}]}`;
  return { status: 200, json };
};

function toFhirRequest(item: BundleWork, context: InteractionContext): { handler: Interaction; request: FhirRequest } {
  const match = matchRoute(context.routes, item.method, item.url);
  if (!match || match.route.interaction === 'batch-transaction') {
    throw errors.badBundle(
      `Bundle.entry[${item.index}].request: ${item.method} ${item.url} is not an interaction this server supports`,
    );
  }
  return {
    handler: match.route.handler,
    request: {
      method: item.method,
      params: match.params,
      query: match.query,
      headers: {
        ifMatch: item.ifMatch,
        ifNoneExist: item.ifNoneExist,
        ifNoneMatch: item.ifNoneMatch,
        ifModifiedSince: item.ifModifiedSince,
      },
      body: item.body,
    },
  };
}

/** Re-raises an entry's error with the entry named in the message and its issues pointing into the Bundle. */
function entryError(item: BundleWork, error: unknown): never {
  const hub = error as HubError;
  if (!hub || typeof hub.code !== 'string' || !hub.code.startsWith('HUB_ERR_')) {
    throw error;
  }
  const where = `Bundle.entry[${item.index}]`;
  hub.message = `${where} (${item.method} ${item.url}): ${hub.message}`;
  hub.expression = [where];
  if (hub.issues && item.resource) {
    hub.issues = prefixExpressions(hub.issues, `${where}.resource`, item.resource.resourceType);
  }
  throw hub;
}

async function runBatch(work: BundleWork[], context: InteractionContext): Promise<string[]> {
  const responses: string[] = new Array(work.length);
  for (const item of processingOrder(work)) {
    try {
      const { handler, request } = toFhirRequest(item, context);
      const result = await handler(request, context);
      responses[item.index] = entryResponseJson(result, context.baseUrl, context.preferReturn);
    } catch (error) {
      const hub = error as HubError;
      if (!hub?.code?.startsWith?.('HUB_ERR_')) {
        throw error; // a bug, not the entry's fault: let the request fail as a 500
      }
      responses[item.index] = errorEntryJson(hub.statusCode, outcomeForError(hub));
    }
  }
  return responses;
}

async function runTransaction(work: BundleWork[], context: InteractionContext): Promise<string[]> {
  return context.repository.transaction(async (repository) => {
    const txContext: InteractionContext = { ...context, repository };
    const responses: string[] = new Array(work.length);
    const ordered = processingOrder(work);
    // Deletes run first, so that the criteria of conditional creates and updates, and conditional references,
    // are evaluated on the state after them, as the processing rules order it.
    for (const item of ordered.filter((item) => item.method === 'DELETE')) {
      responses[item.index] = await runEntry(item, txContext);
    }
    const fullUrls = await assignIds(work, repository);
    assertDistinctIdentities(work);
    const conditionalCache = new Map<string, string>();
    for (const item of work) {
      if (item.resource) {
        await resolveReferences(item.resource, fullUrls, repository, conditionalCache).catch((error) =>
          entryError(item, error),
        );
      }
    }
    // Unconditional creates are written together, one statement per resource type: the fast path of bulk ingestion.
    const plainCreates = ordered.filter((item) => item.method === 'POST' && !item.ifNoneExist && isTypeUrl(item.url));
    if (plainCreates.length) {
      const outcomes = await repository
        .createMany(plainCreates.map((item) => item.resource!))
        .catch((error) => entryError(failingCreate(plainCreates, error), error));
      plainCreates.forEach((item, i) => {
        responses[item.index] = entryResponseJson(
          { status: 201, version: outcomes[i].version, location: true },
          context.baseUrl,
          context.preferReturn,
        );
      });
    }
    for (const item of ordered.filter((item) => item.method !== 'DELETE' && !plainCreates.includes(item))) {
      responses[item.index] = await runEntry(item, txContext);
    }
    return responses;
  });
}

async function runEntry(item: BundleWork, context: InteractionContext): Promise<string> {
  try {
    const { handler, request } = toFhirRequest(item, context);
    const result = await handler(request, context);
    return entryResponseJson(result, context.baseUrl, context.preferReturn);
  } catch (error) {
    entryError(item, error);
  }
}

function isTypeUrl(url: string): boolean {
  return /^[A-Z][A-Za-z]+$/.test(url);
}

/** createMany reports the position of the resource that failed; map it back to its entry. */
function failingCreate(creates: BundleWork[], error: unknown): BundleWork {
  return creates[(error as HubError).position ?? 0];
}

/**
 * Decides the id each POST and PUT entry will have, before anything is written, so that references between
 * entries can be rewritten: a plain POST gets a new uuid, a conditional POST the id it matches (or a new one),
 * a PUT the id in its URL or the one its criteria match.
 */
async function assignIds(work: BundleWork[], repository: Repository): Promise<Map<string, string>> {
  const fullUrls = new Map<string, string>();
  for (const item of work) {
    if (item.method === 'PATCH') {
      // A conditional patch (PATCH Type?criteria) changes the one resource its criteria match, which must exist.
      const conditional = CONDITIONAL_URL.exec(item.url);
      if (conditional) {
        const ids = await repository
          .findIds(conditional[1], conditional[2], 2, { lock: true })
          .catch((error) => entryError(item, error));
        if (ids.length > 1) entryError(item, errors.multipleMatches('update', conditional[2]));
        if (!ids.length) entryError(item, errors.notFound(`${conditional[1]}?${conditional[2]}`));
        item.url = `${conditional[1]}/${ids[0]}`;
      }
      item.identity = item.url.split('?')[0];
      // Other entries (a Provenance) may name what it patches by its full URL.
      if (item.fullUrl) fullUrls.set(item.fullUrl, item.identity);
      continue;
    }
    const resource = item.resource;
    if (!resource) {
      continue;
    }
    let target: string | undefined;
    if (item.method === 'POST') {
      let id: string | undefined;
      if (item.ifNoneExist) {
        const ids = await repository
          .findIds(resource.resourceType, item.ifNoneExist, 2, { lock: true })
          .catch((error) => entryError(item, error));
        if (ids.length > 1) {
          entryError(item, errors.multipleMatches('create', `If-None-Exist: ${item.ifNoneExist}`));
        }
        id = ids[0];
      }
      if (!id) {
        // No match (or no condition): created with this id, together with the other plain creates.
        resource.id = newResourceId();
        id = resource.id;
        item.ifNoneExist = undefined;
      }
      target = `${resource.resourceType}/${id}`;
    } else if (item.method === 'PUT') {
      const conditional = CONDITIONAL_URL.exec(item.url);
      if (conditional) {
        const ids = await repository
          .findIds(conditional[1], conditional[2], 2, { lock: true })
          .catch((error) => entryError(item, error));
        if (ids.length > 1) {
          entryError(item, errors.multipleMatches('update', conditional[2]));
        }
        const id = ids[0] ?? resource.id ?? newResourceId();
        resource.id = id;
        item.url = `${conditional[1]}/${id}`; // run it as a plain update of the resolved id
        target = item.url;
      } else {
        target = item.url.split('?')[0];
      }
    }
    if (target && item.fullUrl) {
      fullUrls.set(item.fullUrl, target);
    }
    item.identity = target;
  }
  return fullUrls;
}

/**
 * "A resource can only appear in a transaction once (by identity)": two entries that delete, create, update or
 * patch the same resource make the transaction fail, before anything is written.
 */
function assertDistinctIdentities(work: BundleWork[]): void {
  const seen = new Map<string, number>();
  for (const item of work) {
    if (item.method === 'GET') {
      continue;
    }
    const identity = item.identity ?? (/^[A-Z][A-Za-z]+\/[^/?]+$/.test(item.url) ? item.url : undefined);
    if (!identity) {
      continue;
    }
    const earlier = seen.get(identity);
    if (earlier !== undefined) {
      throw errors.badBundle(
        `Bundle.entry[${earlier}] and Bundle.entry[${item.index}] both change ${identity}; a resource may appear in a transaction only once`,
      );
    }
    seen.set(identity, item.index);
  }
}
