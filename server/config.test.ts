import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives laptop defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: path.resolve('./data'),
      databaseUrl: undefined,
      logLevel: 'info',
      baseUrl: 'http://127.0.0.1:8080',
      searchTimeoutMs: 15000,
    });
  });

  it('reads every documented HUB_ setting', () => {
    const config = loadConfig({
      HUB_PORT: '9090',
      HUB_HOST: '0.0.0.0',
      HUB_DATA_DIR: '/tmp/hub-data',
      HUB_LOG_LEVEL: 'debug',
      HUB_BASE_URL: 'https://hub.example.org/fhir/',
      HUB_MAX_BODY_BYTES: '2048',
      HUB_MAX_BUNDLE_ENTRIES: '50',
      HUB_DB_POOL_SIZE: '5',
      HUB_SEARCH_TIMEOUT_MS: '2500',
      HUB_EMBEDDED_PG_PORT: '6543',
      HUB_SHUTDOWN_TIMEOUT_MS: '1000',
      HUB_REQUIRED_PROFILES: 'Patient, Coverage',
      HUB_PROFILE_PACKAGES: 'profiles/structure-definitions,profiles/value-sets',
      HUB_IWLZ_XSD_DIR: '/srv/iwlz/XSD',
      HUB_MLLP_LISTENERS: '2575=ehr.example, 2576=lab.example',
      DATABASE_URL: 'postgres://u:p@db:5432/hub',
    });
    expect(config).toEqual({
      port: 9090,
      host: '0.0.0.0',
      dataDir: '/tmp/hub-data',
      databaseUrl: 'postgres://u:p@db:5432/hub',
      embeddedPgPort: 6543,
      logLevel: 'debug',
      baseUrl: 'https://hub.example.org/fhir',
      maxBodyBytes: 2048,
      maxBundleEntries: 50,
      dbPoolSize: 5,
      searchTimeoutMs: 2500,
      shutdownTimeoutMs: 1000,
      requiredProfiles: ['Patient', 'Coverage'],
      profilePackages: [path.resolve('profiles/structure-definitions'), path.resolve('profiles/value-sets')],
      auth: {
        providerName: 'zorghub',
        devLoginBsns: [],
        admin: { clientId: 'hub-admin', secret: undefined },
        audit: { retentionMonths: 36, checkpointSeconds: 300 },
        oidc: undefined,
        clientsFile: undefined,
      },
      ingest: {
        iwlzSchemaDir: '/srv/iwlz/XSD',
        mllpListeners: [
          { port: 2575, clientId: 'ehr.example', adapter: 'hl7v2-order' },
          { port: 2576, clientId: 'lab.example', adapter: 'hl7v2-order' },
        ],
      },
    });
  });

  it('reads the authorization server settings', () => {
    const { auth } = loadConfig({
      HUB_PROVIDER_NAME: 'hub.example',
      HUB_DEV_LOGIN_BSNS: '999911120, 999600011',
      HUB_OIDC_ISSUER: 'https://login.example',
      HUB_OIDC_CLIENT_ID: 'zorghub',
      HUB_OIDC_CLIENT_SECRET: 's3cret',
      HUB_ADMIN_CLIENT_ID: 'beheer',
      HUB_ADMIN_CLIENT_SECRET: 'beheer-secret-0123456789-abcdefghijklmnop',
    });
    expect(auth).toEqual({
      providerName: 'hub.example',
      devLoginBsns: ['999911120', '999600011'],
      admin: { clientId: 'beheer', secret: 'beheer-secret-0123456789-abcdefghijklmnop' },
      audit: { retentionMonths: 36, checkpointSeconds: 300 },
      oidc: { issuer: 'https://login.example', clientId: 'zorghub', clientSecret: 's3cret', bsnClaim: 'bsn' },
      clientsFile: undefined,
    });
  });

  it('enforces every hub profile by default, and takes none or all', () => {
    expect(loadConfig({}).requiredProfiles).toBe('all');
    expect(loadConfig({}).profilePackages).toEqual([]);
    expect(loadConfig({ HUB_REQUIRED_PROFILES: 'none' }).requiredProfiles).toBe('none');
  });

  it.each([
    [{ HUB_PORT: 'eighty' }, 'HUB_PORT="eighty" is not a whole number'],
    [{ HUB_PORT: '70000' }, 'HUB_PORT=70000 is out of range'],
    [{ HUB_LOG_LEVEL: 'loud' }, 'HUB_LOG_LEVEL="loud" is not a level'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must start with postgres://'],
    [{ HUB_BASE_URL: 'ftp://x' }, 'HUB_BASE_URL="ftp://x" is not an http(s) URL'],
    [{ HUB_PROT: '1' }, 'HUB_PROT is not a known setting'],
    [{ HUB_MAX_BODY_BYTES: '-5' }, 'HUB_MAX_BODY_BYTES="-5" is not a whole number'],
    [{ HUB_SEARCH_TIMEOUT_MS: '50' }, 'HUB_SEARCH_TIMEOUT_MS=50 is out of range'],
    [{ HUB_REQUIRED_PROFILES: 'Patient;Coverage' }, '"Patient;Coverage" is not a resource type'],
    [{ HUB_MLLP_LISTENERS: '2575:ehr.example' }, 'each listener is port=client-id'],
    [{ HUB_MLLP_LISTENERS: '2575=a,2575=b' }, 'names one port twice'],
    [{ HUB_DEV_LOGIN_BSNS: '999911120,123456789' }, 'HUB_DEV_LOGIN_BSNS holds "123456789", which is not a BSN'],
    [{ HUB_OIDC_ISSUER: 'https://login.example' }, 'HUB_OIDC_ISSUER and HUB_OIDC_CLIENT_ID go together'],
    [{ HUB_PROVIDER_NAME: 'Zorg Hub' }, 'HUB_PROVIDER_NAME="Zorg Hub" must be lower-case'],
    [{ HUB_ADMIN_CLIENT_SECRET: 'kort' }, 'HUB_ADMIN_CLIENT_SECRET must be 32 to 512 printable ASCII characters'],
    [{ HUB_ADMIN_CLIENT_ID: 'beheer client' }, 'HUB_ADMIN_CLIENT_ID="beheer client" must be letters'],
    [
      { HUB_PROFILE_PACKAGES: '/nowhere/nl-core.tgz' },
      'HUB_PROFILE_PACKAGES names /nowhere/nl-core.tgz, which does not exist',
    ],
  ])('refuses %o with a one-line explanation', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
