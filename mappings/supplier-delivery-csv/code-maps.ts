// The report's vocabulary as data: the columns (with their Dutch and English names) and the status words.
import type { Direction, Lifecycle } from './delivery-parts.js';

export type Field =
  | 'orderNumber'
  | 'gtin'
  | 'serial'
  | 'lot'
  | 'sscc'
  | 'deliveredAt'
  | 'receiver'
  | 'status'
  | 'quantity'
  | 'reason'
  | 'owner';

/**
 * There is no BSN field: the row names its client through the delivery request it answers (ordernummer), and a
 * `bsn` column, which many exports still have, is an unknown column like any other and not read
 * (../shared/delivery-request.ts says why).
 *
 * Per field: the header names it is known by (compared case-insensitively, with spaces, '_' and '-' alike), and
 * whether the header line must have it. The first name is the one the README and the error messages use.
 */
export const COLUMNS: Record<Field, { names: readonly string[]; required: boolean }> = {
  orderNumber: { names: ['ordernummer', 'order number', 'ordernr', 'order'], required: true },
  gtin: { names: ['gtin', 'ean', 'gtin-code'], required: true },
  serial: { names: ['serienummer', 'serial', 'serial number', 'serienr'], required: false },
  lot: { names: ['lot', 'partij', 'lotnummer', 'partijnummer', 'lot number', 'batch'], required: false },
  sscc: { names: ['sscc'], required: false },
  deliveredAt: {
    names: ['geleverd_op', 'delivered_at', 'geleverd op', 'delivered at', 'datum_tijd', 'tijdstip'],
    required: true,
  },
  receiver: { names: ['ontvanger', 'receiver', 'ontvangen door', 'received by'], required: false },
  status: { names: ['status'], required: true },
  quantity: { names: ['aantal', 'quantity'], required: false },
  reason: { names: ['reden', 'reason'], required: false },
  owner: { names: ['eigenaar', 'owner'], required: false },
};

export const headerKey = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');

/** Header name (normalised) -> field. */
export const FIELD_BY_HEADER: ReadonlyMap<string, Field> = new Map(
  (Object.entries(COLUMNS) as [Field, { names: readonly string[] }][]).flatMap(([field, { names }]) =>
    names.map((name) => [headerKey(name), field] as const),
  ),
);

export type StatusId = 'delivered' | 'collected' | 'failed' | 'collection-failed';

interface StatusRule {
  /** SupplyDelivery.status */
  readonly supplyStatus: 'completed' | 'abandoned';
  readonly direction: Direction;
  /** Where the Device is after it; none: a failed attempt does not say, so the Device is not written. */
  readonly lifecycle?: Lifecycle;
}

export const STATUSES: Record<StatusId, StatusRule> = {
  delivered: { supplyStatus: 'completed', direction: 'delivery', lifecycle: 'at-client' },
  collected: { supplyStatus: 'completed', direction: 'return', lifecycle: 'in-transit' },
  failed: { supplyStatus: 'abandoned', direction: 'delivery' },
  'collection-failed': { supplyStatus: 'abandoned', direction: 'return' },
};

/** The status words accepted (lower case, single spaces), Dutch and English. */
export const STATUS_WORDS: Readonly<Record<string, StatusId>> = {
  geleverd: 'delivered',
  afgeleverd: 'delivered',
  delivered: 'delivered',
  opgehaald: 'collected',
  retour: 'collected',
  collected: 'collected',
  mislukt: 'failed',
  'niet geleverd': 'failed',
  failed: 'failed',
  'ophalen mislukt': 'collection-failed',
  'niet opgehaald': 'collection-failed',
  'collection failed': 'collection-failed',
};

export const statusKey = (word: string): string =>
  word
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');
