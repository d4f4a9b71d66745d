// A parsed WMO301 or WMO307 as one transaction: the municipality and the clients as parties (createIfAbsent), each
// allocation as a Coverage found by its ToewijzingNummer (createOrUpdate).
import { oncePerMessage } from '../shared/once-per-message.js';
import type { BundleEntry } from '@medplum/fhirtypes';
import { type MappedMessage, type MappingContext, MappingError } from '../adapter.js';
import {
  createIfAbsent,
  createOrUpdate,
  identifierCriteria,
  patchWhere,
  referenceByIdentifier,
  urnFor,
} from '../shared/bundle-entries.js';
import { NAMING } from '../shared/naming-systems.js';
import { REDEN_WIJZIGING, STATUS_AANLEVERING } from './code-maps.js';
import {
  coverageFor,
  gemeenteIdentifier,
  municipality,
  requiredCategorie,
  toewijzingIdentifier,
} from './map-coverage.js';
import { bsnIdentifier, patientFor } from './map-patient.js';
import type { IwmoMessage, Located, StopZorg, Toewijzing } from './model.js';
import { amsterdamMidnight, coded, date, matching } from './values.js';

export function mapMessage(message: IwmoMessage, context: MappingContext): MappedMessage {
  const { header } = message;
  // The message identity is unique per sender: the gemeente of a WMO301, the aanbieder (AGB) of a WMO307.
  const sender =
    message.kind === 'WMO301'
      ? gemeenteIdentifier(header.afzender).value!
      : matching(header.afzender, /^[0-9]{8}$/, 'The AGB code of the Afzender');
  checkSender(header.afzender, message.kind === 'WMO301' ? NAMING.gemeentecode : NAMING.agb, context);
  const key = `iwmo:${sender}:${header.identificatie.value}`;
  const time = amsterdamMidnight(date(header.dagtekening, 'Dagtekening'));
  const entry = message.kind === 'WMO301' ? toewijzingEntries(message, key) : stopEntries(message, key);
  return { key, time, bundle: { resourceType: 'Bundle', type: 'transaction', entry } };
}

function toewijzingEntries(message: Toewijzing, key: string): BundleEntry[] {
  const gemeente = gemeenteIdentifier(message.header.afzender);
  const payorUrl = urnFor(key, 'gemeente');
  const entries: BundleEntry[] = [createIfAbsent(payorUrl, municipality(gemeente), gemeente)];
  const once = distinct();
  for (const client of message.clients) {
    const bsn = bsnIdentifier(client);
    once.check(client.bsn, 'Bsn', 'a client');
    const patient = patientFor(client, bsn);
    const patientUrl = urnFor(key, `patient-${bsn.value}`);
    if (patient) {
      entries.push(createIfAbsent(patientUrl, patient, bsn));
    }
    for (const product of client.products) {
      once.check(product.toewijzingNummer, 'ToewijzingNummer', 'an allocation');
      const reden = product.reden && coded(product.reden, REDEN_WIJZIGING, 'WMO002 Reden wijziging toewijzing');
      const coverage = coverageFor({
        toewijzingNummer: product.toewijzingNummer,
        ...requiredCategorie(product.product, product.at),
        start: product.ingangsdatum,
        end: product.einddatum,
        status: reden ? reden.status : 'active',
        beneficiary: patient ? patientUrl : referenceByIdentifier('Patient', bsn),
        payor: { reference: payorUrl, identifier: gemeente },
      });
      const identifier = toewijzingIdentifier(product.toewijzingNummer);
      entries.push(createOrUpdate(urnFor(key, `coverage-${identifier.value}`), coverage, identifier));
    }
  }
  return entries;
}

/**
 * A WMO307 carries no address, so the client is referred to by BSN, and the municipality by gemeentecode: both
 * exist when the allocation does. Each stop is the allocation's Coverage again with the stop's Einddatum as its end.
 */
function stopEntries(message: StopZorg, key: string): BundleEntry[] {
  const gemeente = gemeenteIdentifier(message.header.ontvanger);
  const payor = { reference: referenceByIdentifier('Organization', gemeente), identifier: gemeente };
  const entries: BundleEntry[] = [];
  const once = distinct();
  for (const client of message.clients) {
    const bsn = bsnIdentifier(client);
    once.check(client.bsn, 'Bsn', 'a client');
    for (const stop of client.products) {
      if (stop.statusAanlevering) {
        const status = coded(stop.statusAanlevering, STATUS_AANLEVERING, 'COD467 StatusAanlevering');
        if (status === 'withdraw') {
          throw new MappingError(
            stop.statusAanlevering.at,
            'StatusAanlevering 3 withdraws an earlier stop; the allocation end it restores is not in a WMO307, so the hub cannot apply it: the gemeente sends a WMO301 with the allocation as it stands',
          );
        }
      }
      if (!stop.toewijzingNummer) {
        throw new MappingError(
          stop.at,
          'the stop lacks ToewijzingNummer: the hub finds the allocation a stop ends by its ToewijzingNummer',
        );
      }
      once.check(stop.toewijzingNummer, 'ToewijzingNummer', 'an allocation');
      if (!stop.toewijzingIngangsdatum || !stop.product?.categorie) {
        // Not the whole allocation: its end is patched onto the Coverage the hub holds (which must exist: a stop of
        // an allocation the hub never received cannot be applied, and is quarantined until it has).
        entries.push(endOfAllocation(key, stop.toewijzingNummer, stop.einddatum));
        continue;
      }
      const coverage = coverageFor({
        toewijzingNummer: stop.toewijzingNummer,
        ...requiredCategorie(stop.product, stop.at),
        start: stop.toewijzingIngangsdatum,
        end: stop.einddatum,
        status: 'active',
        beneficiary: referenceByIdentifier('Patient', bsn),
        payor,
      });
      const identifier = toewijzingIdentifier(stop.toewijzingNummer);
      entries.push(createOrUpdate(urnFor(key, `coverage-${identifier.value}`), coverage, identifier));
    }
  }
  return entries;
}

/** A conditional JSON Patch setting the end of the allocation with this ToewijzingNummer. */
function endOfAllocation(key: string, toewijzingNummer: Located, einddatum: Located): BundleEntry {
  const identifier = toewijzingIdentifier(toewijzingNummer);
  const operations = [{ op: 'add', path: '/period/end', value: date(einddatum, 'Einddatum') }];
  return patchWhere(urnFor(key, `stop-${identifier.value}`), `Coverage?${identifierCriteria(identifier)}`, operations);
}

/**
 * A client registered as a gemeente (or an aanbieder) sends in its own name only: the Afzender decides the payor of
 * every Coverage. A client registered under another system (a gateway such as the GGK) is not checked here.
 */
function checkSender(afzender: Located, system: string, context: MappingContext): void {
  const registered = context.sender;
  if (registered?.system === system && registered.value !== afzender.value) {
    throw new MappingError(
      afzender.at,
      `the Afzender ${afzender.value} is not the sending client, which is registered as ${registered.value}`,
    );
  }
}

/** A BSN or a ToewijzingNummer twice in one message would make two entries for one object: refused. */
function distinct(): { check: (field: Located, name: string, what: string) => void } {
  const once = oncePerMessage();
  return {
    check: (field, name, what) =>
      once(
        `${name}|${field.value}`,
        field.at,
        (first) =>
          `${name} ${field.value} occurs twice in this message (also at ${first}): one ${what} is written once`,
      ),
  };
}
