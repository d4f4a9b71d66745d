// The judgement of $validate-code, for one Coding against a CodeSystem or against a ValueSet's expansion, and the
// rule for a CodeableConcept (valid when one of its codings is). Pure: the operations parse, this decides.
// - A display is valid when it equals, ignoring case and repeated spaces, the concept's display or one of its
//   designations (any language; not those meant as definitions); a wrong display makes the result false, and the
//   message names the expected one.
// - A code of a system the ValueSet includes as a whole or by filter (an open system of expand.ts) is a member, as
//   in the hub's own validation; the message says it was not checked. If the hub holds that CodeSystem complete,
//   the code must at least exist in it.
// - A code not found in a CodeSystem held only in part (content fragment, example, not-present) is undetermined:
//   the operation answers 422 rather than a false "false".
import type { CodeSystem, CodeSystemConceptDesignation, ValueSet } from '@medplum/fhirtypes';
import { conceptIndex, isInactive } from './concepts.js';
import type { Expansion, TerminologySource } from './expand.js';
import { displayIn } from './language.js';
import { valueSetDesignations } from './value-set-designations.js';

const DESIGNATION_USAGE = 'http://terminology.hl7.org/CodeSystem/designation-usage';

export interface CodingInput {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
}

export interface CodingCheck {
  result: boolean;
  message?: string;
  display?: string;
  /** Set when the code is not listed in a CodeSystem held only in part. */
  undetermined?: { system: string; content: string; code: string };
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

function label(system: string, code: string): string {
  return `${system}#${code}`;
}

/** Undefined when the display is fine (or cannot be checked), else the message. */
function displayProblem(
  given: string | undefined,
  system: string,
  code: string,
  preferred: string | undefined,
  others: string[],
): string | undefined {
  if (given === undefined) {
    return undefined;
  }
  const known = [preferred, ...others].filter((d): d is string => !!d);
  if (!known.length || known.some((d) => normalise(d) === normalise(given))) {
    return undefined;
  }
  const alternatives = others.filter((d) => d !== preferred);
  const expected = `"${preferred ?? known[0]}"${alternatives.length ? ` (or one of ${alternatives.map((d) => `"${d}"`).join(', ')})` : ''}`;
  return `Display "${given}" is not a display of ${label(system, code)}; expected ${expected}`;
}

/** Designation texts that can stand as a display: not those meant as a definition. */
function values(designations: readonly CodeSystemConceptDesignation[] | undefined): string[] {
  return (designations ?? [])
    .filter((d) => !(d.use?.system === DESIGNATION_USAGE && d.use.code === 'definition'))
    .map((d) => d.value)
    .filter((v): v is string => !!v);
}

function versionProblem(coding: CodingInput, codeSystem: CodeSystem | undefined): string | undefined {
  if (coding.version && codeSystem?.version && coding.version !== codeSystem.version) {
    return `CodeSystem ${codeSystem.url} is held in version "${codeSystem.version}" only, not "${coding.version}"`;
  }
  return undefined;
}

export function checkInCodeSystem(codeSystem: CodeSystem, coding: CodingInput, displayLanguage?: string): CodingCheck {
  const system = codeSystem.url!;
  if (coding.system !== undefined && coding.system !== system) {
    return { result: false, message: `Coding system ${coding.system} is not CodeSystem ${system}` };
  }
  if (!coding.code) {
    return { result: false, message: 'Coding has no code' };
  }
  const wrongVersion = versionProblem(coding, codeSystem);
  if (wrongVersion) {
    return { result: false, message: wrongVersion };
  }
  const concept = conceptIndex(codeSystem).get(coding.code)?.concept;
  if (!concept) {
    if (codeSystem.content !== 'complete') {
      return {
        result: false,
        message: `Code "${coding.code}" is not listed in CodeSystem ${system}, which the hub holds with content "${codeSystem.content}" only`,
        undetermined: { system, content: String(codeSystem.content), code: coding.code },
      };
    }
    return { result: false, message: `Code "${coding.code}" is not defined in CodeSystem ${system}` };
  }
  const display =
    (displayLanguage ? displayIn(displayLanguage, concept.display, concept.designation, codeSystem) : undefined) ??
    concept.display;
  const wrongDisplay = displayProblem(
    coding.display,
    system,
    coding.code,
    concept.display,
    values(concept.designation),
  );
  if (wrongDisplay) {
    return { result: false, message: wrongDisplay, ...(display ? { display } : {}) };
  }
  return {
    result: true,
    ...(isInactive(concept) ? { message: `${label(system, coding.code)} is inactive` } : {}),
    ...(display ? { display } : {}),
  };
}

export function checkInValueSet(
  source: TerminologySource,
  valueSet: ValueSet,
  expansion: Expansion,
  coding: CodingInput,
  displayLanguage?: string,
): CodingCheck {
  const { system, code } = coding;
  if (!system || !code) {
    return {
      result: false,
      message: system
        ? 'Coding has no code'
        : `Coding ${code ?? ''} has no system; the hub judges codes with their system only`,
    };
  }
  const codeSystem = source.codeSystem(system);
  const concept = codeSystem ? conceptIndex(codeSystem).get(code)?.concept : undefined;
  if (codeSystem?.content === 'complete' && !concept) {
    return { result: false, message: `Code "${code}" is not defined in CodeSystem ${system}` };
  }
  const wrongVersion = versionProblem(coding, codeSystem);
  if (wrongVersion) {
    return { result: false, message: wrongVersion };
  }
  if (!expansion.hasCoding(system, code)) {
    return { result: false, message: `${label(system, code)} is not in ValueSet ${expansion.url}` };
  }
  const listed = expansion.contains.find((c) => c.system === system && c.code === code);
  const own = valueSetDesignations(valueSet).get(`${system}|${code}`);
  const display =
    (displayLanguage
      ? (displayIn(displayLanguage, listed?.display, own, valueSet) ??
        displayIn(displayLanguage, concept?.display, concept?.designation, codeSystem))
      : undefined) ??
    listed?.display ??
    concept?.display;
  const preferred = listed?.display ?? concept?.display;
  const others = [...values(own), ...values(concept?.designation), ...(concept?.display ? [concept.display] : [])];
  const wrongDisplay = displayProblem(coding.display, system, code, preferred, others);
  if (wrongDisplay) {
    return { result: false, message: wrongDisplay, ...(display ? { display } : {}) };
  }
  const hints: string[] = [];
  if (!listed) {
    hints.push(
      `ValueSet ${expansion.url} includes codes of ${system} as a whole or by a filter the hub does not evaluate: ` +
        `the hub takes ${label(system, code)} as a member without checking that${concept ? '' : ', nor that the code exists'}`,
    );
  }
  if (concept && isInactive(concept)) {
    hints.push(`${label(system, code)} is inactive`);
  }
  return { result: true, ...(hints.length ? { message: hints.join('; ') } : {}), ...(display ? { display } : {}) };
}

/** A CodeableConcept is valid when one of its codings is; otherwise every coding's problem is named. */
export function combineChecks(checks: CodingCheck[]): CodingCheck {
  const valid = checks.find((check) => check.result);
  if (valid) {
    return valid;
  }
  const messages = checks.map((check) => check.message).filter((m): m is string => !!m);
  const display = checks.find((check) => check.display)?.display;
  const undetermined = checks.find((check) => check.undetermined)?.undetermined;
  return {
    result: false,
    ...(messages.length ? { message: messages.join('; ') } : {}),
    ...(display ? { display } : {}),
    ...(undetermined ? { undetermined } : {}),
  };
}
