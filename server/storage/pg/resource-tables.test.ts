import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RESOURCE_TABLES_MIGRATION } from './generate-migrations.js';
import { resourceTablesSql, storedResourceTypes } from './resource-tables.js';

describe('resourceTablesSql', () => {
  it('matches the committed migration (run npm run generate:migrations after changing the generator)', () => {
    expect(readFileSync(RESOURCE_TABLES_MIGRATION, 'utf8')).toBe(resourceTablesSql());
  });

  it('creates a table for every R4 resource type, including the hub core types', () => {
    const types = storedResourceTypes();
    expect(types.length).toBeGreaterThanOrEqual(145);
    for (const type of [
      'Patient',
      'CarePlan',
      'DeviceRequest',
      'SupplyRequest',
      'SupplyDelivery',
      'Device',
      'Coverage',
      'Consent',
      'AuditEvent',
    ]) {
      expect(types).toContain(type);
    }
  });
});
