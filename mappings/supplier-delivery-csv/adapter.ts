// A supplier's delivery report as CSV (README.md): one message per row, each row one SupplyDelivery (and the
// Device it leaves at the client or takes back), so that one bad row is quarantined alone.
import { type Adapter, MappingError, type SourceMessage } from '../adapter.js';
import { fieldsOf, readBody } from './csv-records.js';
import { mapRow } from './map-row.js';
import { type DeliveryRow, readHeader, readRow } from './parse-row.js';

export const supplierDeliveryCsv: Adapter<DeliveryRow> = {
  name: 'supplier-delivery-csv',
  description:
    "A supplier's delivery report (CSV, Excel exports too): one row per delivered, collected or failed item, to SupplyDelivery and Device",
  mediaTypes: ['text/csv', 'application/vnd.ms-excel'],

  split(body: string): SourceMessage[] {
    const csv = readBody(body);
    readHeader(csv); // a header without a required column stops the whole file, at its line
    return csv.rows
      .filter((row) => !/^[\s;,"]*$/.test(row.text)) // a row of empty cells, as Excel leaves below a table
      .map((row) => ({ raw: `${csv.header.text}${csv.eol}${row.text}`, location: `row ${row.line}` }));
  },

  parse(message: SourceMessage): DeliveryRow {
    const csv = readBody(message.raw);
    const header = readHeader(csv);
    if (csv.rows.length !== 1) {
      throw new MappingError(
        message.location,
        `a row message holds the header line and one row, not ${csv.rows.length}`,
        'parse',
      );
    }
    return readRow(header, fieldsOf(csv.rows[0], csv.delimiter, message.location), message.location);
  },

  map: mapRow,
};
