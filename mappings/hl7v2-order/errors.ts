// The adapter's refusals: a MappingError that also carries the adapter's own code, so that the ACK can name the
// HL7 error condition (table 0357) that fits, when the ingest path passes the code on in IngestOutcome.code.
import { MappingError } from '../adapter.js';

/** The adapter's codes (HUB_ERR_MAP_HL7_*) and the HL7 table 0357 condition each stands for. */
export const HL7_ERROR_CODES = {
  HUB_ERR_MAP_HL7_SEGMENT_SEQUENCE: { hl7: '100', text: 'Segment sequence error' },
  HUB_ERR_MAP_HL7_REQUIRED_FIELD: { hl7: '101', text: 'Required field missing' },
  HUB_ERR_MAP_HL7_DATA_TYPE: { hl7: '102', text: 'Data type error' },
  HUB_ERR_MAP_HL7_TABLE_VALUE: { hl7: '103', text: 'Table value not found' },
  HUB_ERR_MAP_HL7_UNSUPPORTED_MESSAGE: { hl7: '200', text: 'Unsupported message type' },
  HUB_ERR_MAP_HL7_APPLICATION: { hl7: '207', text: 'Application internal error' },
} as const;

export type Hl7ErrorCode = keyof typeof HL7_ERROR_CODES;

export class Hl7MappingError extends MappingError {
  constructor(
    location: string,
    message: string,
    readonly code: Hl7ErrorCode,
    stage: 'parse' | 'map' = 'map',
  ) {
    super(location, message, stage);
  }
}

/** Shorthands, one per HL7 error condition. */
export const refuse = {
  segment: (location: string, reason: string, stage: 'parse' | 'map' = 'map') =>
    new Hl7MappingError(location, reason, 'HUB_ERR_MAP_HL7_SEGMENT_SEQUENCE', stage),
  missing: (location: string, reason: string, stage: 'parse' | 'map' = 'map') =>
    new Hl7MappingError(location, reason, 'HUB_ERR_MAP_HL7_REQUIRED_FIELD', stage),
  invalid: (location: string, reason: string, stage: 'parse' | 'map' = 'map') =>
    new Hl7MappingError(location, reason, 'HUB_ERR_MAP_HL7_DATA_TYPE', stage),
  unknownCode: (location: string, reason: string) =>
    new Hl7MappingError(location, reason, 'HUB_ERR_MAP_HL7_TABLE_VALUE'),
  unsupported: (location: string, reason: string) =>
    new Hl7MappingError(location, reason, 'HUB_ERR_MAP_HL7_UNSUPPORTED_MESSAGE', 'parse'),
};
