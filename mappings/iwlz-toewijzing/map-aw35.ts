// AW35 aanvang zorg: the provider reports that delivery of a toewijzing began (Begindatum, Leveringsstatus). It
// changes nothing a Coverage holds (payor, zorgzwaartepakket, leveringsvorm and period stay as the AW33 set them), and
// a PUT of a Coverage built from an AW35 would wipe them. The hub has no element yet for the start of delivery, so an
// AW35 is refused at the mapping stage, kept whole for replay; README.md ("AW35") has the proposal.
import { MappingError, type MappedMessage } from '../adapter.js';
import type { Aw35Client } from './parse-messages.js';
import { besluitnummer, bsnIdentifier, date } from './values.js';

export function mapAw35(clients: readonly Aw35Client[]): MappedMessage {
  for (const client of clients) {
    bsnIdentifier(client.bsn);
  }
  const client = clients[0];
  const first = client?.aanvang[0];
  if (!client || !first) {
    throw new MappingError(
      client?.path ?? '/Bericht/Clienten',
      'the AW35 reports no GeleverdZorgzwaartepakket or GeleverdeFunctie',
      'map',
    );
  }
  const toewijzing = `${besluitnummer(first.besluitnummer)} ${first.code} ${date({ value: first.toewijzingIngangsdatum, path: first.path })}`;
  throw new MappingError(
    first.path,
    `AW35 aanvang zorg is not taken in yet: the start of delivery on ${first.begindatum} of toewijzing ${toewijzing} ` +
      'changes no element of its Coverage, and the hub has no element for the start of delivery; the message is ' +
      'kept for replay once it has (mappings/iwlz-toewijzing/README.md, AW35)',
    'map',
  );
}
