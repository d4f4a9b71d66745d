// AW33 zorgtoewijzing -> one transaction: the zorgkantoren as Organizations (conditional create by zorgkantoor
// code), each client as a Patient (conditional create by BSN, when the message carries enough for hub-Patient), and
// each ToegewezenZorgzwaartepakket as one Wlz Coverage (conditional update by its toewijzing identifier).
import type {
  BundleEntry,
  Coverage,
  CoverageClass,
  Identifier,
  Organization,
  Patient,
  Reference,
} from '@medplum/fhirtypes';
import { MappingError, type MappedMessage } from '../adapter.js';
import { oncePerMessage } from '../shared/once-per-message.js';
import { createIfAbsent, createOrUpdate, referenceByIdentifier, urnFor } from '../shared/bundle-entries.js';
import { NAMING } from '../shared/naming-systems.js';
import { COVERAGE_CLASS_SYSTEM, PROFILE, REGIME_WLZ, ROLE_ZORGKANTOOR } from './code-maps.js';
import { patientOf } from './map-patient.js';
import type { Aw33Client, Header, Located, ZzpToewijzing } from './parse-messages.js';
import type { IwlzSchemas } from './schemas.js';
import { amsterdamMidnight, besluitnummer, bsnIdentifier, date, messageKey, toewijzingIdentifier } from './values.js';

type Labels = IwlzSchemas['labels'];

function zorgkantoorIdentifier(code: Located): Identifier {
  return { system: NAMING.zorgkantoor, value: code.value };
}

function zorgkantoor(code: Located, labels: Labels): Organization {
  const name = labels.zorgkantoor.get(code.value);
  if (!name || !/^55[0-9]{2}$/.test(code.value)) {
    throw new MappingError(
      code.path,
      `zorgkantoor code ${code.value} is not in the basisschema's LDT_ZorgkantoorCode`,
      'map',
    );
  }
  return {
    resourceType: 'Organization',
    meta: { profile: [PROFILE.organization] },
    identifier: [zorgkantoorIdentifier(code)],
    type: [{ coding: [ROLE_ZORGKANTOOR] }],
    name,
  };
}

function coverageClass(code: 'zorgzwaartepakket' | 'leveringsvorm', value: string, name?: string): CoverageClass {
  return { type: { coding: [{ system: COVERAGE_CLASS_SYSTEM, code }] }, value, ...(name ? { name } : {}) };
}

interface CoverageParts {
  readonly besluit: string;
  readonly identifier: Identifier;
  readonly beneficiary: Reference<Patient>;
  readonly payor: Reference<Organization>;
}

/** A toewijzing withdrawn before it began (Einddatum before Ingangsdatum) never was in force: cancelled. */
function coverage(toewijzing: ZzpToewijzing, parts: CoverageParts, labels: Labels): Coverage {
  const start = date(toewijzing.ingangsdatum);
  const end = toewijzing.einddatum ? date(toewijzing.einddatum) : undefined;
  const cancelled = end !== undefined && end < start;
  const zzpLabel = labels.zzp.get(toewijzing.zzpCode);
  if (!/^[0-9]{3}$/.test(toewijzing.zzpCode) || !zzpLabel) {
    throw new MappingError(
      `${toewijzing.path}/ZzpCode`,
      `ZzpCode ${toewijzing.zzpCode} is not in the basisschema's LDT_ZzpCode`,
      'map',
    );
  }
  return {
    resourceType: 'Coverage',
    meta: { profile: [PROFILE.coverage] },
    identifier: [{ system: NAMING.besluitnummer, value: parts.besluit }, parts.identifier],
    status: cancelled ? 'cancelled' : 'active',
    type: { coding: [REGIME_WLZ] },
    beneficiary: parts.beneficiary,
    period: cancelled || !end ? { start } : { start, end },
    payor: [parts.payor],
    class: [
      coverageClass('zorgzwaartepakket', toewijzing.zzpCode, zzpLabel),
      coverageClass('leveringsvorm', toewijzing.leveringsvorm, labels.leveringsvorm.get(toewijzing.leveringsvorm)),
    ],
  };
}

function refuseFuncties(client: Aw33Client, labels: Labels): void {
  const first = client.functies[0];
  if (first) {
    const label = labels.functie.get(first.value);
    throw new MappingError(
      first.path.replace(/\/FunctieCode$/, ''),
      `toegewezen functie ${first.value}${label ? ` (${label})` : ''} cannot become a hub Coverage: hub-Coverage ` +
        'requires a zorgzwaartepakket for Wlz (hub-cov-8) and the coverage-class CodeSystem has no functie code; ' +
        'the message can be replayed once the profile takes functies',
      'map',
    );
  }
}

export function mapAw33(header: Header, clients: readonly Aw33Client[], labels: Labels): MappedMessage {
  const key = messageKey(header);
  const time = amsterdamMidnight(date(header.dagtekening));
  const organizations = new Map<string, BundleEntry>();
  const clientEntries: BundleEntry[] = [];
  const once = oncePerMessage();
  for (const client of clients) {
    const bsn = bsnIdentifier(client.bsn);
    once(`bsn|${bsn.value}`, client.bsn.path, (first) => `BSN ${bsn.value} is also at ${first}: one Client per BSN`);
    refuseFuncties(client, labels);
    if (client.toewijzingen.length === 0) {
      throw new MappingError(
        client.indicatiePath,
        'the Indicatie has no ToegewezenZorgzwaartepakket: nothing is allocated',
        'map',
      );
    }
    const besluit = besluitnummer(client.besluitnummer);
    const patient = patientOf(client);
    const patientUrl = urnFor(key, `patient-${bsn.value}`);
    if (patient) {
      clientEntries.push(createIfAbsent(patientUrl, patient, bsn));
    }
    const beneficiary: Reference<Patient> = { reference: patient ? patientUrl : referenceByIdentifier('Patient', bsn) };
    for (const toewijzing of client.toewijzingen) {
      const code = toewijzing.zorgkantoor;
      const organization = zorgkantoor(code, labels);
      const orgUrl = urnFor(key, `zorgkantoor-${code.value}`);
      if (!organizations.has(code.value)) {
        organizations.set(code.value, createIfAbsent(orgUrl, organization, zorgkantoorIdentifier(code)));
      }
      const payor: Reference<Organization> = {
        reference: orgUrl,
        type: 'Organization',
        identifier: zorgkantoorIdentifier(code),
        display: organization.name,
      };
      const identifier = toewijzingIdentifier(besluit, toewijzing.zzpCode, date(toewijzing.ingangsdatum));
      const resource = coverage(toewijzing, { besluit, identifier, beneficiary, payor }, labels);
      const id = identifier.value ?? '';
      once(id, toewijzing.path, (first) => `toewijzing ${id} (Besluitnummer, ZzpCode, Ingangsdatum) is also ${first}`);
      clientEntries.push(createOrUpdate(urnFor(key, `coverage-${id}`), resource, identifier));
    }
  }
  return {
    key,
    time,
    bundle: { resourceType: 'Bundle', type: 'transaction', entry: [...organizations.values(), ...clientEntries] },
  };
}
