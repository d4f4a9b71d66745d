// One order group (ORC, TQ1, OBR, NTE) to a hub DeviceRequest: found by its placer order number, status from the
// order control, the aid from OBR-4, provision mode and installation / instruction from OBR-46, the intended period
// of use from TQ1-7 / TQ1-8 (else the deprecated ORC-7 / OBR-27 quantity/timing), notes from NTE-3, kept whole.
import type { Annotation, DeviceRequest, Extension, Identifier } from '@medplum/fhirtypes';
import { orderNumberSystem } from '../shared/naming-systems.js';
import {
  HUB_CODE_SYSTEM,
  HUB_PROFILE,
  ORDER_CONTROL,
  ORDER_MODIFIERS,
  type OrderModifier,
  PRIORITY,
  PROVISION_MODE_DISPLAY,
} from './code-maps.js';
import { refuse } from './errors.js';
import type { Seg } from './hl7-read.js';
import { fhirDateTime } from './hl7-time.js';
import { aidCode } from './map-aid.js';
import { compact } from './map-person.js';
import type { OrderGroup } from './parse.js';

export interface OrderLinks {
  readonly subject: string;
  readonly requester: string;
  readonly insurance: readonly string[];
}

/** The single OBR of an order group; other order details (RQD, RXO, ODS) are not aids coded in OBR-4. */
export function orderObr(group: OrderGroup): Seg {
  const [obr, second] = group.obr;
  if (!obr) {
    const other = group.otherDetail.map((s) => s.name).join(', ');
    throw refuse.segment(
      group.orc.at(),
      other
        ? `order ${group.number} is an ${other} order: this adapter maps orders for aids with an OBR`
        : `order ${group.number} has no OBR: the aid is coded in OBR-4`,
    );
  }
  if (second) {
    throw refuse.segment(second.at(), `order ${group.number} has more than one OBR: send one aid per ORC`);
  }
  return obr;
}

/** The placer order number (ORC-2, else OBR-2), which the DeviceRequest is found by. */
export function placerNumber(group: OrderGroup, obr: Seg, msh: Seg): Identifier {
  const placer = orderNumber(group.orc, obr, 2, msh, 'placer');
  if (!placer) {
    throw refuse.missing(group.orc.at(2), `order ${group.number} has no placer order number in ORC-2 or OBR-2`);
  }
  return placer;
}

export function mapOrder(group: OrderGroup, obr: Seg, msh: Seg, links: OrderLinks): DeviceRequest {
  const { orc } = group;
  const control = orc.value(1);
  const status = control ? ORDER_CONTROL[control.toUpperCase()] : undefined;
  if (!control) {
    throw refuse.missing(orc.at(1), 'no order control in ORC-1: send NW (new), XO (change) or CA (cancel)');
  }
  if (!status) {
    throw refuse.unknownCode(orc.at(1), `order control ${control} is not supported: send NW, XO or CA`);
  }
  const placer = placerNumber(group, obr, msh);
  const filler = orderNumber(orc, obr, 3, msh, 'filler');
  const modifiers = orderModifiers(obr);
  const authored = orc.value(9);
  const authoredOn = authored === undefined ? undefined : dateTime(orc, 9, authored);
  const tq1 = group.tq1[0];
  const priority = tq1?.value(9);
  return compact({
    resourceType: 'DeviceRequest',
    meta: { profile: [`${HUB_PROFILE}hub-DeviceRequest`] },
    extension: modifierExtensions(modifiers),
    identifier: [tagged(placer, 'PLAC'), ...(filler ? [tagged(filler, 'FILL')] : [])],
    status,
    intent: 'order',
    priority: priority ? PRIORITY[priority.toUpperCase()] : undefined,
    codeCodeableConcept: aidCode(obr),
    subject: { reference: links.subject },
    occurrencePeriod: periodOfUse(group, obr),
    authoredOn,
    requester: { reference: links.requester },
    insurance: links.insurance.map((reference) => ({ reference })),
    note: notes(group.nte),
  } as DeviceRequest);
}

/** ORC-n, else OBR-n (placer 2, filler 3); the two must agree. The issuer is EI-2, else EI-3, else MSH-4. */
function orderNumber(orc: Seg, obr: Seg, field: 2 | 3, msh: Seg, kind: 'placer' | 'filler'): Identifier | undefined {
  const fromOrc = orc.rep(field);
  const fromObr = obr.rep(field);
  if (fromOrc?.get(1) && fromObr?.get(1) && fromOrc.get(1) !== fromObr.get(1)) {
    throw refuse.invalid(
      obr.at(field),
      `${kind} order number ${fromObr.get(1)} differs from ORC-${field} ${fromOrc.get(1)}`,
    );
  }
  const ei = fromOrc?.get(1) ? fromOrc : fromObr;
  const value = ei?.get(1);
  if (!ei || !value) {
    return undefined;
  }
  const issuer = ei.get(2) ?? ei.get(3) ?? msh.value(4, 1) ?? msh.value(4, 2);
  if (!issuer) {
    throw refuse.missing(orc.at(field), `${kind} order number ${value} has no assigning authority and MSH-4 is empty`);
  }
  return { system: orderNumberSystem(kind, issuer), value };
}

function tagged(identifier: Identifier, code: 'PLAC' | 'FILL'): Identifier {
  return { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code }] }, ...identifier };
}

/** OBR-46 codes: exactly one provision mode, optionally installation and instruction. */
function orderModifiers(obr: Seg): OrderModifier {
  const found: OrderModifier = {};
  for (const rep of obr.reps(46)) {
    const code = rep.get(1) ?? '';
    const modifier = ORDER_MODIFIERS[code.toLowerCase()];
    if (!modifier) {
      throw refuse.unknownCode(obr.at(46), `OBR-46 ${code} is not an order modifier of the hub (${MODIFIER_CODES})`);
    }
    if (modifier.provisionMode && found.provisionMode && modifier.provisionMode !== found.provisionMode) {
      throw refuse.invalid(obr.at(46), 'OBR-46 names more than one provision mode');
    }
    Object.assign(found, modifier);
  }
  if (!found.provisionMode) {
    throw refuse.missing(
      obr.at(46),
      'no provision mode in OBR-46: send koop (purchase), huur (rental) or bruikleen (loan); the hub needs it',
    );
  }
  return found;
}

const MODIFIER_CODES = Object.keys(ORDER_MODIFIERS).join(', ');

function modifierExtensions(m: OrderModifier): Extension[] {
  const mode = m.provisionMode!;
  return [
    {
      url: `${HUB_PROFILE}hub-ext-provision-mode`,
      valueCoding: { system: `${HUB_CODE_SYSTEM}provision-mode`, code: mode, display: PROVISION_MODE_DISPLAY[mode] },
    },
    ...(m.installationRequired ? [{ url: `${HUB_PROFILE}hub-ext-installation-required`, valueBoolean: true }] : []),
    ...(m.instructionRequired ? [{ url: `${HUB_PROFILE}hub-ext-instruction-required`, valueBoolean: true }] : []),
  ];
}

/** TQ1-7 / TQ1-8, else ORC-7.4 / ORC-7.5, else OBR-27.4 / OBR-27.5. */
function periodOfUse(group: OrderGroup, obr: Seg): { start?: string; end?: string } {
  const tq1 = group.tq1[0];
  const sources: [Seg | undefined, number, number | undefined, number, number | undefined][] = [
    [tq1, 7, undefined, 8, undefined],
    [group.orc, 7, 4, 7, 5],
    [obr, 27, 4, 27, 5],
  ];
  for (const [seg, startField, startComponent, endField, endComponent] of sources) {
    if (!seg) continue;
    const start = seg.value(startField, startComponent ?? 1);
    const end = seg.value(endField, endComponent ?? 1);
    if (start || end) {
      const period = compact({
        start: start === undefined ? undefined : dateTime(seg, startField, start),
        end: end === undefined ? undefined : dateTime(seg, endField, end),
      });
      if (period.start && period.end && Date.parse(period.start) > Date.parse(period.end)) {
        throw refuse.invalid(seg.at(endField), `the end of use ${end} is before its start ${start}`);
      }
      return period;
    }
  }
  throw refuse.missing(
    tq1 ? tq1.at(7) : 'TQ1-7',
    `order ${group.number} gives no intended period of use: send TQ1-7 (start) and, if known, TQ1-8 (end)`,
  );
}

function dateTime(seg: Seg, field: number, value: string): string {
  const parsed = fhirDateTime(value);
  if (!parsed) {
    throw refuse.invalid(
      seg.at(field),
      `${seg.name}-${field} ${value} is not an HL7 date/time (YYYYMMDD[HHMM[SS]][+ZZZZ])`,
    );
  }
  return parsed;
}

/** Each NTE as one note, its NTE-3 repetitions as lines. */
function notes(nte: readonly Seg[]): Annotation[] {
  return nte
    .map((seg) =>
      seg
        .reps(3)
        .map((rep) => rep.whole())
        .join('\n'),
    )
    .filter((text) => text.trim() !== '')
    .map((text) => ({ text }));
}
