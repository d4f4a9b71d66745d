// The event types as data: what each says about the shipment (SupplyDelivery) and the device it carries.
import type { Direction, Lifecycle } from '../supplier-delivery-csv/delivery-parts.js';

interface EventRule {
  /** SupplyDelivery.status */
  readonly status: 'in-progress' | 'completed';
  readonly direction: Direction;
  /** Where the device is after the event: with the carrier (in-transit) or with the client (at-client). */
  readonly lifecycle: Lifecycle;
}

export const EVENT_TYPES: Readonly<Record<string, EventRule>> = {
  picked_up: { status: 'in-progress', direction: 'delivery', lifecycle: 'in-transit' },
  out_for_delivery: { status: 'in-progress', direction: 'delivery', lifecycle: 'in-transit' },
  failed_attempt: { status: 'in-progress', direction: 'delivery', lifecycle: 'in-transit' },
  delivered: { status: 'completed', direction: 'delivery', lifecycle: 'at-client' },
  collected_for_return: { status: 'completed', direction: 'return', lifecycle: 'in-transit' },
};

export function eventRule(type: string): EventRule | undefined {
  return Object.hasOwn(EVENT_TYPES, type) ? EVENT_TYPES[type] : undefined;
}
