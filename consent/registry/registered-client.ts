// An OAuth client as the authorization server sees it: a PGO (MedMij DVP) acting for a person, or a system client
// (an EHR, a supplier, a logistics provider, a financier, an auditor, an admin) acting for its organisation.
// Stored in oauth_clients (migration 0006); what makes one valid is in client-validation.ts.
import type { SystemRole } from '../../server/contracts/principal.js';

type ClientKind = 'pgo' | 'system';

type TokenEndpointAuthMethod = 'private_key_jwt' | 'client_secret_basic' | 'none';

export interface RegisteredClient {
  clientId: string;
  /** Shown on the consent screen for PGOs. */
  name: string;
  kind: ClientKind;
  /** System clients: exactly one role. PGOs: none (their tokens name a person). */
  role?: SystemRole;
  /** System clients: the organisation's URA, AGB, GLN, UZOVI or CBS gemeentecode identifier (client-validation.ts). */
  organization?: { system: string; value: string };
  /** PGO: the exact-match list of redirect URIs (at least one). */
  redirectUris: string[];
  /** PKCE required and no client authentication (tokenEndpointAuthMethod none). */
  publicClient: boolean;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** private_key_jwt: the client's public keys inline, or */
  jwks?: { keys: object[] };
  /** private_key_jwt: where its public keys are published. */
  jwksUri?: string;
  /** PGO: the data services it may ask for (ids in consent/data-services.ts); system: the scopes it may get. */
  dataServices: string[];
  /** An inactive client is refused at the authorize and token endpoints. */
  active: boolean;
}

/** A client as read from the registry: never its secret or the secret's hash, only whether it has one. */
export interface StoredClient extends RegisteredClient {
  hasSecret: boolean;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  updatedAt: string;
}

/** The fields a client is written with; the read-only fields of StoredClient are not among them. */
export const CLIENT_FIELDS = [
  'clientId',
  'name',
  'kind',
  'role',
  'organization',
  'redirectUris',
  'publicClient',
  'tokenEndpointAuthMethod',
  'jwks',
  'jwksUri',
  'dataServices',
  'active',
] as const satisfies readonly (keyof RegisteredClient)[];
