// What the OAuth routes need, assembled once in consent/plugin.ts: the stores, the client registry, the hub's keys,
// the FHIR repository (to find the client by BSN and record Consents) and the settings.
import type { SecurityFacts } from '../access/security-record.js';
import type { Repository } from '../../server/contracts/repository.js';
import type { HubKeys } from '../keys/hub-keys.js';
import type { OidcUpstream } from '../login/oidc-upstream.js';
import type { ClientRegistry } from '../registry/client-registry.js';
import type { ReplayCache } from '../tokens/client-assertion.js';
import type { OAuthStore } from './oauth-store.js';

export interface OAuthContext {
  store: OAuthStore;
  registry: ClientRegistry;
  keys: HubKeys;
  repository: Repository;
  /** The hub's public base URL: issuer of its tokens and their audience. */
  issuer: string;
  /** `<hub-provider-name>` in MedMij scopes (HUB_PROVIDER_NAME). */
  providerName: string;
  /** Test BSNs the development login offers (HUB_DEV_LOGIN_BSNS); empty turns it off. */
  devLoginBsns: readonly string[];
  /** The OpenID Connect upstream (HUB_OIDC_*), which replaces the development login when set. */
  oidc?: OidcUpstream;
  /** jti values of client assertions already used. */
  replay: ReplayCache;
  secureCookies: boolean;
  now: () => Date;
  /** Records logins, consent decisions and token requests in the audit trail, through the access seam. */
  audit?: { event(facts: Omit<SecurityFacts, 'hub'>): Promise<void> };
}
