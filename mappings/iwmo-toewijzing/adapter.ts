// iWmo WMO301 (toewijzing) and WMO307 (stop product) -> a transaction of Coverages under the Wmo regime, answered
// with a WMO302- / WMO308-style retour. See README.md for what is read, refused and written.
import { type Adapter, MappingError, type SourceMessage } from '../adapter.js';
import { mapMessage } from './map.js';
import type { IwmoMessage } from './model.js';
import { parseMessage } from './parse.js';
import { retour } from './reply.js';

export interface IwmoToewijzingOptions {
  /** The clock of the retour's DagtekeningRetour (tests fix it). */
  readonly now?: () => Date;
}

export function createIwmoToewijzingAdapter(options: IwmoToewijzingOptions = {}): Adapter<IwmoMessage> {
  const now = options.now ?? (() => new Date());
  return {
    name: 'iwmo-toewijzing',
    description:
      'iWmo 3.x WMO301 toewijzing and WMO307 stop product -> Wmo Coverage; answers a WMO302/WMO308-style retour',
    mediaTypes: ['application/xml', 'text/xml'],
    split(body: string): SourceMessage[] {
      if (!body.trim()) {
        throw new MappingError('body', 'the body is empty; it should hold one iWmo message', 'parse');
      }
      return [{ raw: body, location: 'message 1' }];
    },
    parse(message: SourceMessage): IwmoMessage {
      return guarded('parse', () => parseMessage(message.raw));
    },
    map(parsed: IwmoMessage, context) {
      return guarded('map', () => mapMessage(parsed, context));
    },
    respond(message, parsed, outcome) {
      return retour(message, parsed, outcome, now());
    },
  };
}

export const iwmoToewijzingAdapter = createIwmoToewijzingAdapter();

/** Anything unexpected becomes a MappingError rather than a crash: the message is quarantined with the reason. */
function guarded<T>(stage: 'parse' | 'map', work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof MappingError) {
      throw error;
    }
    throw new MappingError('/', `the message could not be read: ${(error as Error)?.message ?? String(error)}`, stage);
  }
}
