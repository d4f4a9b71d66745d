// AW35 aanvang zorg -> one transaction of conditional PATCHes: each GeleverdZorgzwaartepakket adds a report
// (hub-ext-care-start: Begindatum, Leveringsstatus, Instelling, the message time) to the Coverage of the toewijzing it
// names, found by that toewijzing's identifier and the client's BSN together. An AW35 changes nothing of who pays
// (payor, zorgzwaartepakket, leveringsvorm and period stay as the AW33 set them), so it is a patch, never a PUT; and a
// report is added, never replaced, so an older AW35 arriving late overwrites nothing (the latest `reported` counts).
import type { BundleEntry, Extension } from '@medplum/fhirtypes';
import { MappingError, type MappedMessage } from '../adapter.js';
import { identifierCriteria, patchWhere, urnFor } from '../shared/bundle-entries.js';
import { oncePerMessage } from '../shared/once-per-message.js';
import { NAMING } from '../shared/naming-systems.js';
import { CARE_START_URL, LEVERINGSSTATUS_SYSTEM } from './code-maps.js';
import type { Aanvang, Aw35Client, Header } from './parse-messages.js';
import type { IwlzSchemas } from './schemas.js';
import { amsterdamMidnight, besluitnummer, bsnIdentifier, date, messageKey, toewijzingIdentifier } from './values.js';

type Labels = IwlzSchemas['labels'];

/** The report one GeleverdZorgzwaartepakket makes, as the extension the Coverage of its toewijzing gets. */
function careStart(aanvang: Aanvang, reported: string, labels: Labels): Extension {
  const status = aanvang.leveringsstatus;
  const label = status === undefined ? undefined : labels.leveringsstatus.get(status);
  if (status !== undefined && !label) {
    throw new MappingError(
      `${aanvang.path}/Leveringsstatus`,
      `Leveringsstatus ${status} is not in the basisschema's LDT_Leveringsstatus`,
      'map',
    );
  }
  return {
    url: CARE_START_URL,
    extension: [
      { url: 'start', valueDate: date({ value: aanvang.begindatum, path: `${aanvang.path}/Begindatum` }) },
      ...(status && label
        ? [{ url: 'status', valueCoding: { system: LEVERINGSSTATUS_SYSTEM, code: status, display: label } }]
        : []),
      { url: 'provider', valueIdentifier: { system: NAMING.agb, value: aanvang.instelling } },
      { url: 'reported', valueDateTime: reported },
    ],
  };
}

function refuse(aanvang: Aanvang, labels: Labels): void {
  if (aanvang.functie) {
    const label = labels.functie.get(aanvang.code);
    throw new MappingError(
      aanvang.path,
      `geleverde functie ${aanvang.code}${label ? ` (${label})` : ''} has no Coverage to report on: the hub takes ` +
        'no toegewezen functies in (an AW33 with one is refused), so the message is kept for replay once it does',
      'map',
    );
  }
  if (aanvang.statusAanlevering === '3') {
    throw new MappingError(
      `${aanvang.path}/StatusAanlevering`,
      'StatusAanlevering 3 withdraws an earlier aanvang zorg; the hub keeps every report it received and cannot ' +
        'withdraw one: the provider sends an AW35 with the delivery as it stands (StatusAanlevering 2)',
      'map',
    );
  }
}

export function mapAw35(header: Header, clients: readonly Aw35Client[], labels: Labels): MappedMessage {
  const key = messageKey(header);
  const time = amsterdamMidnight(date(header.dagtekening));
  const entries: BundleEntry[] = [];
  const once = oncePerMessage();
  for (const client of clients) {
    const bsn = bsnIdentifier(client.bsn);
    if (client.aanvang.length === 0) {
      throw new MappingError(client.path, 'the Client reports no GeleverdZorgzwaartepakket or GeleverdeFunctie', 'map');
    }
    for (const aanvang of client.aanvang) {
      refuse(aanvang, labels);
      const identifier = toewijzingIdentifier(
        besluitnummer(aanvang.besluitnummer),
        aanvang.code,
        date({ value: aanvang.toewijzingIngangsdatum, path: `${aanvang.path}/ToewijzingIngangsdatum` }),
      );
      const id = identifier.value ?? '';
      once(
        id,
        aanvang.path,
        (first) => `toewijzing ${id} (Besluitnummer, ZzpCode, ToewijzingIngangsdatum) is also ${first}`,
      );
      // The client's BSN is part of the criteria: an AW35 naming another client's toewijzing matches nothing, and the
      // whole message fails (quarantined with the reason) instead of writing onto someone else's Coverage.
      const criteria = `${identifierCriteria(identifier)}&beneficiary:Patient.${identifierCriteria(bsn)}`;
      // JSON Patch has no "by url": the report is appended. A Coverage an AW33 made through the ingest path always
      // has an extension array (its source time), so `/extension/-` resolves.
      entries.push(
        patchWhere(urnFor(key, `aanvang-${id}`), `Coverage?${criteria}`, [
          { op: 'add', path: '/extension/-', value: careStart(aanvang, time, labels) },
        ]),
      );
    }
  }
  return { key, time, bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries } };
}
