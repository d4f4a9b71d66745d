// Who is asking, as every part of the hub sees it after authentication (consent/authenticate.ts): the caller's
// client, whom it acts for, and on which consent. The policy (consent layer 2) decides on a Principal; the audit
// trail records it. Built only from a verified access token, never from request parameters.

export type PrincipalKind = 'person' | 'delegate' | 'system';

/** The roles of system clients; a person or delegate has none. */
export type SystemRole = 'care-provider' | 'supplier' | 'logistics' | 'financier' | 'auditor' | 'admin';

export interface Principal {
  kind: PrincipalKind;
  /** The OAuth client the token was issued to (a PGO, an EHR, a logistics system). */
  clientId: string;
  /** person / delegate: the client (cliënt) whose data is accessed, as `Patient/<id>`. */
  patient?: string;
  /** delegate: the acting person, as `RelatedPerson/<id>`; the audit trail records both identities. */
  actor?: string;
  /** person / delegate: the data services granted (codes of CodeSystem data-service). */
  dataServices: string[];
  /** person / delegate: the Consent the token rests on, as `Consent/<id>`; withdrawing it revokes the token. */
  consent?: string;
  /** system: the client's role and organisation (identifier system|value, e.g. URA or GLN). */
  role?: SystemRole;
  organization?: { system: string; value: string };
  /** The token's id (jti), for revocation and the audit trail. */
  tokenId: string;
  /** delegate: the delegation allows reading only (set at authentication from the grant, not a token claim). */
  readOnly?: boolean;
  /**
   * delegate: the elements her delegation lets her change, as `Type.element` (`SupplyRequest.occurrence[x]`), set at
   * authentication from the delegation Consent; within what the data services allow. Absent: what they allow.
   */
  changeable?: readonly string[];
}
