// What $lookup tells about one concept of a CodeSystem (http://hl7.org/fhir/R4/codesystem-operation-lookup.html):
// name and version of the CodeSystem, the display (in the asked language when a designation has it), the
// designations, and the properties: those the concept carries, plus `definition`, `parent` and `child` from the
// hierarchy. `property` narrows the output the way the spec describes: property codes, `designation`, `lang.X`.
import type { CodeSystem, CodeSystemConceptProperty, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { conceptIndex, type IndexedConcept } from './concepts.js';
import { displayIn, languageMatch } from './language.js';

export interface LookupOptions {
  /** Property codes asked for; empty: the server chooses (here: all of them). */
  properties: readonly string[];
  displayLanguage?: string;
}

type PropertyValue = Omit<CodeSystemConceptProperty, 'code'>;

function valuePart(value: PropertyValue): ParametersParameter {
  const [key, content] = Object.entries(value).find(([k]) => k.startsWith('value')) ?? [];
  return key ? ({ name: 'value', [key]: content } as ParametersParameter) : { name: 'value' };
}

function propertyParameter(code: string, value: PropertyValue, description?: string): ParametersParameter {
  return {
    name: 'property',
    part: [
      { name: 'code', valueCode: code },
      valuePart(value),
      ...(description ? [{ name: 'description', valueString: description }] : []),
    ],
  };
}

export function lookupParameters(codeSystem: CodeSystem, indexed: IndexedConcept, options: LookupOptions): Parameters {
  const { concept } = indexed;
  const asked = new Set(options.properties);
  const wants = (code: string): boolean => asked.size === 0 || asked.has(code);
  const index = conceptIndex(codeSystem);
  const displayOf = (code: string): string | undefined => index.get(code)?.concept.display;

  const display =
    (options.displayLanguage
      ? displayIn(options.displayLanguage, concept.display, concept.designation, codeSystem)
      : undefined) ??
    concept.display ??
    concept.code;
  const parameter: ParametersParameter[] = [
    { name: 'name', valueString: codeSystem.title ?? codeSystem.name ?? codeSystem.url },
  ];
  if (codeSystem.version) {
    parameter.push({ name: 'version', valueString: codeSystem.version });
  }
  parameter.push({ name: 'display', valueString: display });

  const languages = [...asked].filter((p) => p.startsWith('lang.')).map((p) => p.slice('lang.'.length));
  for (const designation of concept.designation ?? []) {
    const byLanguage = languages.some((language) => languageMatch(designation.language, language) > 0);
    if (!wants('designation') && !byLanguage) {
      continue;
    }
    parameter.push({
      name: 'designation',
      part: [
        ...(designation.language ? [{ name: 'language', valueCode: designation.language }] : []),
        ...(designation.use ? [{ name: 'use', valueCoding: designation.use }] : []),
        { name: 'value', valueString: designation.value },
      ],
    });
  }

  if (concept.definition && wants('definition')) {
    parameter.push(propertyParameter('definition', { valueString: concept.definition }));
  }
  const given = concept.property ?? [];
  for (const property of given) {
    if (wants(property.code)) {
      const { code, ...value } = property;
      parameter.push(propertyParameter(code, value, property.valueCode ? displayOf(property.valueCode) : undefined));
    }
  }
  // The hierarchy of nested concepts, unless the concept already states the same relation as a property.
  const stated = (code: string, value: string): boolean => given.some((p) => p.code === code && p.valueCode === value);
  for (const [code, related] of [
    ['parent', indexed.parents],
    ['child', indexed.children],
  ] as const) {
    if (wants(code)) {
      for (const value of related.filter((v) => !stated(code, v))) {
        parameter.push(propertyParameter(code, { valueCode: value }, displayOf(value)));
      }
    }
  }
  return { resourceType: 'Parameters', parameter };
}
