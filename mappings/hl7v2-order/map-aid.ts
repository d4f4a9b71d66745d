// The aid ordered, from OBR-4: the codes of the hub's ValueSet aid-type (required binding on DeviceRequest.code), an
// ISO 9999 class of the hub's list, any SNOMED CT concept or a GTIN with a valid check digit. A code the ValueSet
// does not hold is kept beside one it holds; alone it is refused, since a text-only or unlisted code would fail the
// required binding.
import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import { AID_CODING_SYSTEMS, GTIN, ISO_9999, ISO_9999_CLASSES, SNOMED_CT } from './code-maps.js';
import { refuse } from './errors.js';
import type { Seg } from './hl7-read.js';
import { validGtin } from './identifiers.js';
import { compact } from './map-person.js';

/** OBR-4 (identifier, text, coding system; and the alternate triplet) to codes of the hub's aid list. */
export function aidCode(obr: Seg): CodeableConcept {
  const rep = obr.rep(4);
  if (!rep) {
    throw refuse.missing(obr.at(4), 'no aid in OBR-4: send an ISO 9999 class, a SNOMED CT concept or a GTIN');
  }
  const triplets = [1, 4].map((i) => ({ code: rep.get(i), text: rep.get(i + 1), system: rep.get(i + 2) }));
  const codings: Coding[] = [];
  for (const { code, system: name } of triplets) {
    const system = name ? AID_CODING_SYSTEMS[name.toUpperCase()] : undefined;
    if (!code || !system) {
      continue;
    }
    if (system === ISO_9999) {
      const iso = isoCode(code);
      codings.push(compact({ system, code: iso, display: ISO_9999_CLASSES.get(iso) }));
    } else if (system === SNOMED_CT && !/^\d{6,18}$/.test(code)) {
      throw refuse.invalid(obr.at(4), `SNOMED CT code ${code} is not a concept id`);
    } else if (system === GTIN && !validGtin(code)) {
      throw refuse.invalid(obr.at(4), `GTIN ${code} has no valid GS1 check digit`);
    } else {
      codings.push({ system, code });
    }
  }
  const accepted = codings.some((c) => c.system !== ISO_9999 || ISO_9999_CLASSES.has(c.code!));
  if (!accepted) {
    const given = triplets.filter((t) => t.code).map((t) => `${t.code}${t.system ? ` (${t.system})` : ''}`);
    throw refuse.unknownCode(
      obr.at(4),
      `aid ${given.join(' / ')} is not in the hub's aid list: send an ISO 9999 class of the list (e.g. 12 22), ` +
        'a SNOMED CT concept (coding system SCT) or a GTIN',
    );
  }
  return compact({ coding: codings, text: triplets[0].text ?? triplets[1].text });
}

/** ISO 9999 codes as the standard writes them, pairs of digits with single spaces ("122203" -> "12 22 03"). */
function isoCode(code: string): string {
  const digits = code.replace(/[\s.]/g, '');
  return /^(\d{2}){1,3}$/.test(digits) ? (digits.match(/\d{2}/g) ?? []).join(' ') : code;
}
