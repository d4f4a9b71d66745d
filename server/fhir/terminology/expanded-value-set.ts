// The ValueSet that $expand answers: the Expander's members, shown in the asked language, filtered, paged, and
// marked incomplete when the ValueSet includes systems the hub cannot list (expand.ts `openSystems`, e.g. all of
// SNOMED CT or a filter it does not evaluate). Such an expansion lists what the hub knows, carries the R4 extension
// valueset-unclosed ("values other than those listed may be valid"), one `incomplete-systems` parameter per open
// system, and no `total`: the hub cannot count what it cannot list. Clock and identifier come from the caller.
import type { ValueSet, ValueSetExpansionContains, ValueSetExpansionParameter } from '@medplum/fhirtypes';
import { conceptIndex, isAbstract, isInactive } from './concepts.js';
import type { Expansion, TerminologySource } from './expand.js';
import { displayIn } from './language.js';
import { valueSetDesignations } from './value-set-designations.js';

const UNCLOSED_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed';
const INCOMPLETE_SYSTEM_PARAMETER = 'incomplete-systems';

export interface ExpandOptions {
  /** Case-insensitive substring of the code or the display (the shown one or the default). */
  filter?: string;
  offset?: number;
  count?: number;
  displayLanguage?: string;
  now: Date;
  identifier: string;
}

function withDisplays(
  source: TerminologySource,
  valueSet: ValueSet,
  expansion: Expansion,
  language: string | undefined,
): ValueSetExpansionContains[] {
  const own = valueSetDesignations(valueSet);
  return expansion.contains.map(({ system, code, display }) => {
    const codeSystem = source.codeSystem(system);
    const concept = codeSystem ? conceptIndex(codeSystem).get(code)?.concept : undefined;
    const shown = language
      ? (displayIn(language, display, own.get(`${system}|${code}`), valueSet) ??
        displayIn(language, display ?? concept?.display, concept?.designation, codeSystem) ??
        display)
      : display;
    return {
      system,
      code,
      ...(shown !== undefined
        ? { display: shown }
        : concept?.display !== undefined
          ? { display: concept.display }
          : {}),
      ...(concept && isAbstract(concept) ? { abstract: true } : {}),
      ...(concept && isInactive(concept) ? { inactive: true } : {}),
    };
  });
}

function matches(item: ValueSetExpansionContains, original: string | undefined, needle: string): boolean {
  return [item.code, item.display, original].some((text) => text?.toLowerCase().includes(needle));
}

export function expandedValueSet(
  source: TerminologySource,
  valueSet: ValueSet,
  expansion: Expansion,
  options: ExpandOptions,
): ValueSet {
  const described = withDisplays(source, valueSet, expansion, options.displayLanguage);
  const needle = options.filter?.trim().toLowerCase();
  const selected = needle
    ? described.filter((item, index) => matches(item, expansion.contains[index].display, needle))
    : described;
  const offset = options.offset ?? 0;
  const page = selected.slice(offset, options.count === undefined ? undefined : offset + options.count);
  const parameter: ValueSetExpansionParameter[] = [];
  if (options.filter !== undefined) parameter.push({ name: 'filter', valueString: options.filter });
  if (options.offset !== undefined) parameter.push({ name: 'offset', valueInteger: options.offset });
  if (options.count !== undefined) parameter.push({ name: 'count', valueInteger: options.count });
  if (options.displayLanguage !== undefined)
    parameter.push({ name: 'displayLanguage', valueCode: options.displayLanguage });
  for (const system of expansion.openSystems) {
    parameter.push({ name: INCOMPLETE_SYSTEM_PARAMETER, valueUri: system });
  }
  const { id, url, version, name, title, status } = valueSet;
  return {
    resourceType: 'ValueSet',
    ...(id ? { id } : {}),
    url,
    ...(version ? { version } : {}),
    ...(name ? { name } : {}),
    ...(title ? { title } : {}),
    status,
    expansion: {
      ...(expansion.complete ? {} : { extension: [{ url: UNCLOSED_EXTENSION, valueBoolean: true }] }),
      identifier: `urn:uuid:${options.identifier}`,
      timestamp: options.now.toISOString(),
      ...(expansion.complete ? { total: selected.length } : {}),
      offset,
      ...(parameter.length ? { parameter } : {}),
      ...(page.length ? { contains: page } : {}),
    },
  };
}
