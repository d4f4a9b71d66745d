// The hub's adapters (mappings/), one per message kind, as the ingest path offers them.
import { hl7v2OrderAdapter } from '../../mappings/hl7v2-order/adapter.js';
import { iwlzToewijzingAdapter } from '../../mappings/iwlz-toewijzing/adapter.js';
import { iwmoToewijzingAdapter } from '../../mappings/iwmo-toewijzing/adapter.js';
import { logisticsEvents } from '../../mappings/logistics-events/adapter.js';
import { supplierDeliveryCsv } from '../../mappings/supplier-delivery-csv/adapter.js';
import type { IngestConfig } from '../config.js';
import { type AdapterChoice, AdapterRegistry } from './adapter-registry.js';

export function hubAdapters(config: Pick<IngestConfig, 'iwlzSchemaDir'>): AdapterRegistry {
  let iwlz: AdapterChoice;
  try {
    iwlz = { name: 'iwlz-toewijzing', adapter: iwlzToewijzingAdapter({ schemaDir: config.iwlzSchemaDir }) };
  } catch (error) {
    iwlz = { name: 'iwlz-toewijzing', unavailable: (error as Error).message };
  }
  return new AdapterRegistry([
    { name: hl7v2OrderAdapter.name, adapter: hl7v2OrderAdapter },
    { name: iwmoToewijzingAdapter.name, adapter: iwmoToewijzingAdapter },
    iwlz,
    { name: supplierDeliveryCsv.name, adapter: supplierDeliveryCsv },
    { name: logisticsEvents.name, adapter: logisticsEvents },
  ]);
}
