// The ingest path: a body from an adapter's sender (over HTTP, MLLP or the command) becomes messages, each parsed,
// mapped and written as one transaction through the access seam as the client that sent it, so its role and
// organisation decide what it may write, and every write is validated, decided and audited like a REST call. Each
// message is all or nothing, and logged: accepted with its answer (the same message again gets that answer and
// writes nothing), or quarantined whole with the stage and reason (replayable). HTTP-free: the routes, the MLLP
// listener and the command are its entrances.
import type { Bundle } from '@medplum/fhirtypes';
import { type Adapter, type AdapterReply, MappingError, type SourceMessage } from '../../mappings/adapter.js';
import type { AccessFacts, AccessGate, AccessLog, Credentials } from '../contracts/access.js';
import type { IngestFault, IngestLog, IngestMessageFacts, LoggedMessage } from '../contracts/ingest-log.js';
import type { Principal } from '../contracts/principal.js';
import { errors, type HubError } from '../errors.js';
import { batchOrTransaction } from '../fhir/bundle/process.js';
import type { InteractionContext } from '../fhir/request.js';
import { newResourceId } from '../storage/resource-id.js';
import type { AdapterRegistry } from './adapter-registry.js';
import { messageId, provenanceEntry } from './provenance.js';
import { applyNewerOnly } from './source-time.js';

/** What one message came to. */
export interface MessageOutcome {
  /** Where it sat in the body ("message 2", "row 5"). */
  position: string;
  /** Its id in the ingest log (the quarantine's id for a quarantined one). */
  messageId: string;
  key?: string;
  /** accepted: written now; duplicate: accepted before, nothing written; quarantined: kept with the reason. */
  status: 'accepted' | 'duplicate' | 'quarantined';
  /** The transaction-response Bundle (JSON) of an accepted or duplicate message. */
  response?: string;
  /** Why a quarantined message was not taken in, and the error it answers with. */
  fault?: IngestFault;
  error?: HubError;
  /** What an entry left unchanged because the hub holds newer state (criteria of each). */
  olderThanHeld?: string[];
  /** The answer the adapter's senders expect (an HL7 ACK), where the adapter gives one. */
  reply?: AdapterReply;
}

export interface IngestRequest {
  adapter: string;
  body: string;
  mediaType?: string;
  credentials: Credentials;
  address?: string;
  log?: AccessLog;
  /** Told after each message, for a progress display. */
  onMessage?: (outcome: MessageOutcome, index: number, total: number) => void;
}

export interface IngestServiceOptions {
  gate: AccessGate;
  log: IngestLog;
  adapters: AdapterRegistry;
  /** The FHIR layer's context for the transaction (conformance, base URL, routes, Bundle limits). */
  context: Omit<InteractionContext, 'repository'>;
  now?: () => Date;
}

/** The stage a write's refusal belongs to, by its status. */
const stageOfStatus = (status: number): IngestFault['stage'] =>
  status === 401 || status === 403 ? 'authorise' : status === 400 || status === 422 ? 'validate' : 'store';

export class IngestService {
  constructor(private readonly options: IngestServiceOptions) {}

  /** The adapter by name, or the error that says why there is none. */
  adapter(name: string): Adapter {
    return this.options.adapters.get(name);
  }

  /** Every adapter with what it takes, and those that cannot run here with why. */
  adapters(): ReturnType<AdapterRegistry['list']> {
    return this.options.adapters.list();
  }

  /**
   * Takes a quarantined message in again (after a mapping fix, or once what it lacked exists), as the client that
   * sent it. The quarantined message is marked replayed, naming what it became (accepted, or quarantined anew).
   */
  async replay(
    message: LoggedMessage,
    request: Pick<IngestRequest, 'credentials' | 'address' | 'log'>,
  ): Promise<MessageOutcome[]> {
    const adapter = this.adapter(message.adapter);
    const ingest: IngestRequest = {
      ...request,
      adapter: message.adapter,
      body: message.raw,
      mediaType: message.mediaType,
    };
    const principal = await this.options.gate.authenticate(
      this.#facts(ingest, message.key),
      request.credentials,
      request.log,
    );
    const received = (this.options.now ?? (() => new Date()))();
    const outcome = await this.#message(
      adapter,
      ingest,
      principal,
      { raw: message.raw, location: message.position },
      received,
    );
    await this.options.log.replayed(message.id, outcome.messageId);
    return [outcome];
  }

  /** Authenticates once, then takes in every message of the body in order. */
  async ingest(request: IngestRequest): Promise<MessageOutcome[]> {
    const adapter = this.adapter(request.adapter);
    const principal = await this.options.gate.authenticate(
      this.#facts(request, undefined),
      request.credentials,
      request.log,
    );
    const received = (this.options.now ?? (() => new Date()))();
    let messages: SourceMessage[];
    try {
      messages = adapter.split(request.body);
    } catch (error) {
      // A body that cannot even be split is one message, kept whole.
      messages = [{ raw: request.body, location: 'message 1' }];
      const outcome = await this.#quarantine(adapter, request, principal, messages[0]!, received, undefined, error);
      request.onMessage?.(outcome, 0, 1);
      return [outcome];
    }
    if (!messages.length) throw errors.ingestEmpty();
    const outcomes: MessageOutcome[] = [];
    for (const [index, message] of messages.entries()) {
      const outcome = await this.#message(adapter, request, principal, message, received);
      outcomes.push(outcome);
      request.onMessage?.(outcome, index, messages.length);
    }
    return outcomes;
  }

  async #message(
    adapter: Adapter,
    request: IngestRequest,
    principal: Principal,
    message: SourceMessage,
    received: Date,
  ): Promise<MessageOutcome> {
    let parsed: unknown;
    let mapped: { key: string; time: string; bundle: Bundle } | undefined;
    try {
      parsed = await adapter.parse(message);
      mapped = adapter.map(parsed, { receivedAt: received.toISOString(), sender: principal.organization });
    } catch (error) {
      // An adapter that fails on a message in a way it did not foresee still keeps the message, for a replay after the fix.
      const fault =
        error instanceof MappingError
          ? error
          : new MappingError('(adapter)', `the adapter failed on this message: ${(error as Error).message}`);
      if (!(error instanceof MappingError)) request.log?.error({ err: error, adapter: adapter.name }, 'adapter failed');
      return this.#quarantine(adapter, request, principal, message, received, parsed, fault);
    }
    const facts: IngestMessageFacts = {
      adapter: adapter.name,
      clientId: principal.clientId,
      key: mapped.key,
      received,
      time: mapped.time,
      position: message.location,
      raw: message.raw,
      mediaType: request.mediaType,
    };
    const earlier = await this.options.log.accepted(adapter.name, principal.clientId, mapped.key);
    if (earlier) {
      return this.#answered(adapter, message, parsed, {
        position: message.location,
        messageId: earlier.id,
        key: mapped.key,
        status: 'duplicate',
        response: earlier.response,
      });
    }
    const id = messageId(adapter.name, principal.clientId, mapped.key);
    try {
      const bundle: Bundle = {
        ...mapped.bundle,
        entry: [...(mapped.bundle.entry ?? []), provenanceEntry(mapped, { id, adapter: adapter.name, principal })],
      };
      let olderThanHeld: string[] = [];
      const result = await this.options.gate.access(
        // A refusal names the clients the message was about (attempted-clients.ts resolves the Bundle's BSNs).
        { ...this.#facts(request, mapped.key), attempt: { params: {}, query: new URLSearchParams(), body: bundle } },
        { principal },
        (repository) =>
          repository.transaction(async (tx) => {
            const applied = await applyNewerOnly(tx, bundle, mapped!.time, adapter.keptOnReplace);
            olderThanHeld = applied.olderThanHeld;
            return batchOrTransaction(
              { method: 'POST', params: {}, query: new URLSearchParams(), headers: {}, body: applied.bundle },
              { ...this.options.context, repository: tx },
            );
          }),
        (answer) => answer.status,
        request.log,
      );
      const response = result.json ?? JSON.stringify(result.resource);
      const first = await this.options.log.accept(id, facts, response);
      const status = first ? 'accepted' : 'duplicate';
      return this.#answered(adapter, message, parsed, {
        position: message.location,
        messageId: id,
        key: mapped.key,
        status,
        response,
        ...(olderThanHeld.length ? { olderThanHeld } : {}),
      });
    } catch (error) {
      return this.#quarantine(adapter, request, principal, message, received, parsed, error, mapped);
    }
  }

  /** Keeps the message whole with why it was not taken in; an error that is not the message's own is rethrown. */
  async #quarantine(
    adapter: Adapter,
    request: IngestRequest,
    principal: Principal,
    message: SourceMessage,
    received: Date,
    parsed: unknown,
    error: unknown,
    mapped?: { key: string; time: string },
  ): Promise<MessageOutcome> {
    const { fault, hubError } = faultOf(error);
    const id = newResourceId(received.getTime());
    await this.options.log.quarantine(
      id,
      {
        adapter: adapter.name,
        clientId: principal.clientId,
        key: mapped?.key,
        received,
        time: mapped?.time,
        position: message.location,
        raw: message.raw,
        mediaType: request.mediaType,
      },
      fault,
    );
    return this.#answered(adapter, message, parsed, {
      position: message.location,
      messageId: id,
      key: mapped?.key,
      status: 'quarantined',
      fault,
      error: hubError,
    });
  }

  #answered(adapter: Adapter, message: SourceMessage, parsed: unknown, outcome: MessageOutcome): MessageOutcome {
    if (!adapter.respond) return outcome;
    const reply = adapter.respond(message, parsed, {
      status: outcome.status === 'quarantined' ? (outcome.fault?.stage === 'parse' ? 'rejected' : 'error') : 'accepted',
      code: outcome.fault?.code,
      text: outcome.fault?.reason,
      location: outcome.fault?.location,
    });
    return { ...outcome, reply };
  }

  #facts(request: IngestRequest, key: string | undefined): AccessFacts {
    const query = new URLSearchParams({ adapter: request.adapter });
    if (key !== undefined) query.set('message', key);
    return {
      entrance: 'ingest',
      interaction: 'batch-transaction',
      bundleType: 'transaction',
      method: 'POST',
      query: query.toString(),
      address: request.address,
    };
  }
}

/** The stage, code and reason of a failure; a failure that is no fault of the message (a 500, a lost database) is rethrown. */
function faultOf(error: unknown): { fault: IngestFault; hubError: HubError } {
  if (error instanceof MappingError) {
    const hubError =
      error.stage === 'parse'
        ? errors.ingestUnreadable(error.location, error.message)
        : errors.ingestUnmappable(error.location, error.message);
    // The adapter's own code where it has one (an HL7 ACK names the HL7 error condition by it).
    const code = (error as { code?: unknown }).code;
    return {
      fault: {
        stage: error.stage,
        code: typeof code === 'string' ? code : hubError.code,
        location: error.location,
        reason: error.message,
      },
      hubError,
    };
  }
  const hub = error as HubError;
  if (typeof hub?.code === 'string' && hub.code.startsWith('HUB_ERR_') && hub.statusCode < 500) {
    return {
      fault: {
        stage: stageOfStatus(hub.statusCode),
        code: hub.code,
        location: hub.expression?.[0],
        reason: hub.message,
      },
      hubError: hub,
    };
  }
  throw error;
}
