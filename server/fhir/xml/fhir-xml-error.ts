// The one error parseFhirXml throws. `code` lets a caller tell a document that is not FHIR at all (skip it) from a
// FHIR document that is broken (report it); `path` is the FHIRPath-like location ("Patient.contact[0].name").

export type FhirXmlErrorCode =
  /** Not well-formed XML, or XML that FHIR forbids (a DTD, an undeclared entity). */
  | 'malformed'
  /** Well-formed, but the root element is not in the FHIR namespace. */
  | 'not-fhir'
  /** An element or attribute that the FHIR R4 type does not have, or FHIR content in the wrong place. */
  | 'unknown-element'
  /** A known element whose content cannot be represented: a bad boolean or number, a repeated 0..1 element, ... */
  | 'invalid';

export class FhirXmlError extends Error {
  readonly code: FhirXmlErrorCode;
  readonly path: string | undefined;

  constructor(code: FhirXmlErrorCode, path: string | undefined, detail: string) {
    super(path ? `${path}: ${detail}` : detail);
    this.name = 'FhirXmlError';
    this.code = code;
    this.path = path;
  }
}
