// The iWmo code lists the adapter reads or writes, as data (iWmo 3.2 code lists; earlier 3.x releases use the same
// codes for what is read here).
import type { Address, Coverage, Patient } from '@medplum/fhirtypes';

/** COD002-VEKTIS BerichtCode: the two messages read, and the retour each is answered with. */
export const BERICHT = {
  WMO301: { code: '414', retour: 'WMO302', retourCode: '415' },
  WMO307: { code: '420', retour: 'WMO308', retourCode: '421' },
} as const;

/** COD002 codes of other iWmo messages, named in the refusal of a message this adapter does not read. */
export const OTHER_BERICHT_CODES: Readonly<Record<string, string>> = {
  '415': 'WMO302',
  '418': 'WMO305',
  '419': 'WMO306',
  '421': 'WMO308',
  '444': 'WMO315',
  '445': 'WMO316',
  '480': 'WMO317',
  '481': 'WMO318',
  '482': 'WMO319',
  '483': 'WMO320',
  '484': 'WMO323',
  '485': 'WMO325',
};

/** COD046 Geslacht -> Patient.gender. */
export const GESLACHT: Readonly<Record<string, NonNullable<Patient['gender']>>> = {
  '0': 'unknown',
  '1': 'male',
  '2': 'female',
};

/** COD170 DatumGebruik: how much of Geboortedatum/Datum is known (absent: all of it). */
export const DATUM_GEBRUIK: Readonly<Record<string, 'year-month' | 'year' | 'unknown'>> = {
  '1': 'year-month',
  '2': 'year',
  '3': 'unknown',
};

/** COD757 Soort adres -> Address.use / type; a correspondence address (02) is not where an aid is delivered. */
export const ADRES_SOORT: Readonly<Record<string, { address: Pick<Address, 'use' | 'type'>; deliverable: boolean }>> = {
  '01': { address: { use: 'home' }, deliverable: true },
  '02': { address: { type: 'postal' }, deliverable: false },
  '03': { address: { use: 'home', type: 'physical' }, deliverable: true },
  '04': { address: { use: 'temp', type: 'physical' }, deliverable: true },
};

/** WMO020 Productcategorie -> Coverage.class.name; a code not listed keeps its value and gets no name. */
export const PRODUCTCATEGORIE: Readonly<Record<string, string>> = {
  '01': 'Hulp bij het huishouden',
  '02': 'Begeleiding',
  '03': 'Persoonlijke verzorging',
  '04': 'Kortdurend verblijf',
  '05': 'Woondiensten',
  '06': 'Overige ondersteuning gericht op het individu of huishouden/gezin',
  '07': 'Dagbesteding',
  '08': 'Vervoerdiensten',
  '09': 'Overige groepsgerichte ondersteuning',
  '10': 'Overige maatwerk arrangementen',
  '11': 'Rolstoelen',
  '12': 'Vervoervoorzieningen',
  '13': 'Woonvoorzieningen',
  '14': 'Overige hulpmiddelen',
  '15': 'Beschermd wonen',
  '16': 'Opvang',
  '17': 'Spoedopvang',
  '18': 'Overige beschermd wonen en opvang',
};

/**
 * WMO002 Reden wijziging toewijzing -> Coverage.status. Only 13 (Verwijderd: "to be treated as never sent") withdraws
 * the allocation; every other reason changes or ends it, which the period says (iWmo's "intrekken" is a shortening).
 */
export const REDEN_WIJZIGING: Readonly<Record<string, { label: string; status: Coverage['status'] }>> = {
  '01': { label: 'Administratieve correctie (vervallen)', status: 'active' },
  '02': { label: 'Cliënt overleden', status: 'active' },
  '03': { label: 'Contractwijziging', status: 'active' },
  '04': { label: 'Herbeoordeling: verlenging toewijzing', status: 'active' },
  '05': { label: 'Herbeoordeling: verkorting toewijzing', status: 'active' },
  '06': { label: 'Uitstroom naar ander domein', status: 'active' },
  '07': { label: 'Verhuizing naar een andere gemeente', status: 'active' },
  '08': { label: 'Wijziging leveringsvorm', status: 'active' },
  '09': { label: 'Overstap naar andere aanbieder', status: 'active' },
  '10': { label: 'Overgang naar nieuwe bekostigingssystematiek', status: 'active' },
  '11': { label: 'Gemeentelijke herindeling', status: 'active' },
  '12': { label: 'Geïnitieerd door de aanbieder', status: 'active' },
  '13': { label: 'Verwijderd', status: 'cancelled' },
  '14': { label: 'Administratieve correctie', status: 'active' },
};

/** COD467 StatusAanlevering of a WMO307 StopProduct: 3 withdraws an earlier stop, which this adapter cannot undo. */
export const STATUS_AANLEVERING: Readonly<Record<string, 'apply' | 'withdraw'>> = {
  '1': 'apply',
  '2': 'apply',
  '3': 'withdraw',
};

/** WJ001 RetourCode: the codes the retour uses. */
export const RETOUR_CODE = {
  accepted: '0200',
  rejected: '0001',
  notAssessed: '0233',
} as const;
