// An audit record as a test writes one straight into the log: a read by a supplier, changed where a test says.
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import { TEST_BASE_URL } from './app.js';

export function testAuditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    recorded: new Date(),
    type: 'rest',
    subtype: 'read',
    interaction: 'read',
    action: 'R',
    outcome: '0',
    outcomeDesc: null,
    purpose: 'HOPERAT',
    clientId: 'leverancier.test',
    role: 'supplier',
    organization: 'https://www.gs1.org/gln|8712345000011',
    actor: null,
    patient: null,
    rules: ['supply-requests'],
    consent: null,
    address: '127.0.0.1',
    entrance: 'rest',
    source: TEST_BASE_URL,
    patients: [],
    entities: [],
    entityVersions: [],
    entityClients: [],
    query: 'GET SupplyRequest',
    compartments: [],
    ...overrides,
  };
}
