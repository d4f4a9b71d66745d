// iWlz 2.2 AW33 (zorgtoewijzing: the zorgkantoor allocates Wlz care to a provider) and AW35 (aanvang zorg: the
// provider reports that care began). Each message is validated against its official XSD, read from a folder outside
// the project given at construction, then read with the adapters' XML reader (mappings/shared/xml.ts) and mapped to one transaction.
import type { Adapter, MappedMessage, MappingContext, SourceMessage } from '../adapter.js';
import { MappingError } from '../adapter.js';
import { CARE_START_URL } from './code-maps.js';
import { mapAw33 } from './map-aw33.js';
import { mapAw35 } from './map-aw35.js';
import { type Parsed, readMessage } from './parse-messages.js';
import { readDocument, validateAgainstXsd } from './parse-xml.js';
import { loadSchemas } from './schemas.js';

export type { Parsed } from './parse-messages.js';

export interface IwlzToewijzingOptions {
  /** The folder holding the iWlz 2.2 XSDs (AW33.xsd, AW35.xsd, basisschema.xsd): setting HUB_IWLZ_XSD_DIR. */
  readonly schemaDir: string;
}

/** The adapter; throws an Error naming the folder and HUB_IWLZ_XSD_DIR when the schema folder cannot be used. */
export function iwlzToewijzingAdapter(options: IwlzToewijzingOptions): Adapter<Parsed> {
  const schemas = loadSchemas(options.schemaDir);
  return {
    name: 'iwlz-toewijzing',
    description: 'iWlz 2.2 AW33 zorgtoewijzing and AW35 aanvang zorg (XML) to Wlz Coverage, Patient and zorgkantoor',
    mediaTypes: ['application/xml', 'text/xml'],
    // An AW33 replaces the Coverage of a toewijzing; the aanvang zorg reports AW35s added to it stay.
    keptOnReplace: [CARE_START_URL],

    split(body: string): SourceMessage[] {
      if (body.trim() === '') {
        throw new MappingError('line 1', 'the body is empty: expected one iWlz AW33 or AW35 message', 'parse');
      }
      return [{ raw: body, location: 'message 1' }];
    },

    async parse(message: SourceMessage): Promise<Parsed> {
      const document = readDocument(message.raw);
      await validateAgainstXsd(message.raw, document.kind, schemas);
      return readMessage(document.kind, document.root);
    },

    map(parsed: Parsed, _context: MappingContext): MappedMessage {
      try {
        return parsed.kind === 'AW33'
          ? mapAw33(parsed.header, parsed.clients, schemas.labels)
          : mapAw35(parsed.header, parsed.clients, schemas.labels);
      } catch (error) {
        if (error instanceof MappingError) {
          throw error;
        }
        throw new MappingError('/Bericht', `the message cannot be mapped: ${(error as Error).message}`, 'map');
      }
    },
  };
}
