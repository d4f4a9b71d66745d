// Rotates the hub's signing key: npm run keys:rotate (uses HUB_DATA_DIR like the hub). The new key signs after the
// hub's next start; the old one stays in the JWKS, so tokens it signed verify until they expire.
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../server/config.js';
import { HubKeys } from './hub-keys.js';

export async function rotateSigningKey(dataDir: string): Promise<{ before: string; after: string }> {
  const keys = await HubKeys.open({ dataDir });
  const before = keys.activeKid;
  await keys.rotate();
  return { before, after: keys.activeKid };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { dataDir } = loadConfig();
  const { before, after } = await rotateSigningKey(dataDir);
  console.log(
    `signing key rotated in ${dataDir}/keys: ${before} -> ${after}; restart the hub to sign with the new key`,
  );
}
