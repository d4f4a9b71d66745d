// `displayLanguage` of the terminology operations: which text to show for a concept in a language. The hub's own
// CodeSystems carry Dutch designations (language `nl`), R4 core a few; a concept without one keeps its display.
// Tags match ignoring case; an exact tag wins over one that only shares the primary language (`nl` ~ `nl-NL`), and a
// designation meant as a display (use absent or designation-usage#display) wins over a synonym.
import type { CodeSystem, CodeSystemConceptDesignation } from '@medplum/fhirtypes';

const DISPLAY_USE = 'http://terminology.hl7.org/CodeSystem/designation-usage';

function primary(tag: string): string {
  return tag.toLowerCase().split('-')[0];
}

/** 2 for the same tag, 1 for the same primary language, 0 otherwise. */
export function languageMatch(tag: string | undefined, wanted: string): number {
  if (!tag) {
    return 0;
  }
  if (tag.toLowerCase() === wanted.toLowerCase()) {
    return 2;
  }
  return primary(tag) === primary(wanted) ? 1 : 0;
}

function isDisplayUse(designation: CodeSystemConceptDesignation): boolean {
  return !designation.use || (designation.use.system === DISPLAY_USE && designation.use.code === 'display');
}

/**
 * The display for `wanted`: the best matching designation, else the display itself when the CodeSystem is written
 * in that language, else undefined (the caller keeps the default display).
 */
export function displayIn(
  wanted: string,
  display: string | undefined,
  designations: readonly CodeSystemConceptDesignation[] | undefined,
  codeSystem?: Pick<CodeSystem, 'language'>,
): string | undefined {
  let best: { score: number; value: string } | undefined;
  for (const designation of designations ?? []) {
    const match = languageMatch(designation.language, wanted);
    if (!match || !designation.value) {
      continue;
    }
    const score = match * 2 + (isDisplayUse(designation) ? 1 : 0);
    if (!best || score > best.score) {
      best = { score, value: designation.value };
    }
  }
  const own = display !== undefined ? languageMatch(codeSystem?.language, wanted) : 0;
  if (own && (!best || own * 2 + 1 >= best.score)) {
    return display;
  }
  return best?.value;
}
