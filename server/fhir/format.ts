// Content negotiation: the server speaks FHIR JSON only. `_format` wins over Accept, as the spec says
// (http://hl7.org/fhir/R4/http.html#mime-type); XML and anything else not JSON gets a 406 that says so.
import { errors } from '../errors.js';

export type JsonMediaType = 'application/fhir+json' | 'application/json' | 'text/json';

const FORMAT_ALIASES: Record<string, JsonMediaType> = {
  json: 'application/fhir+json',
  'application/json': 'application/json',
  'application/fhir+json': 'application/fhir+json',
  'application/json+fhir': 'application/fhir+json',
  'text/json': 'text/json',
};

/** The media type to answer in, or a 406 when the client accepts no JSON. */
export function negotiate(format: string | undefined, accept: string | undefined): JsonMediaType {
  if (format !== undefined) {
    const type = FORMAT_ALIASES[format.split(';')[0].trim().toLowerCase()];
    if (!type) {
      throw errors.notAcceptable(format);
    }
    return type;
  }
  if (!accept || accept.trim() === '') {
    return 'application/fhir+json';
  }
  const ranges = accept.split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  if (ranges.some((range) => range === 'application/fhir+json' || range === 'application/json+fhir')) {
    return 'application/fhir+json';
  }
  // A generic JSON type is answered in that type, as the spec asks (http.html#mime-type).
  if (ranges.includes('application/json')) {
    return 'application/json';
  }
  if (ranges.includes('text/json')) {
    return 'text/json';
  }
  if (ranges.some((range) => range === '*/*' || range === 'application/*')) {
    return 'application/fhir+json';
  }
  throw errors.notAcceptable(accept);
}

export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';

/** `Prefer: return=minimal|representation|OperationOutcome` (default representation). */
export function preferReturn(prefer: string | undefined): PreferReturn {
  const match = /return=(minimal|representation|OperationOutcome)/i.exec(prefer ?? '');
  if (!match) {
    return 'representation';
  }
  const value = match[1].toLowerCase();
  return value === 'minimal' ? 'minimal' : value === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

/** `Prefer: handling=strict|lenient` (search; default lenient). */
export function preferHandling(prefer: string | undefined): 'strict' | 'lenient' | undefined {
  const match = /handling=(strict|lenient)/i.exec(prefer ?? '');
  return match ? (match[1].toLowerCase() as 'strict' | 'lenient') : undefined;
}
