// Writes the generated migration file(s). Run: npm run generate:migrations
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resourceTablesSql } from './resource-tables.js';

export const RESOURCE_TABLES_MIGRATION = fileURLToPath(
  new URL('./migrations/0002_resource_tables.sql', import.meta.url),
);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(RESOURCE_TABLES_MIGRATION, resourceTablesSql());
  console.log(`wrote ${RESOURCE_TABLES_MIGRATION}`);
}
