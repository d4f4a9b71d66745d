// Why the Expander (expand.ts) gave no expansion for a ValueSet the registry holds, in words a client can act on.
// The Expander only answers "undefined"; this repeats its refusal rules over the definition to name the culprit.
import type { ValueSet } from '@medplum/fhirtypes';
import type { TerminologySource } from './expand.js';

export function unexpandableReason(source: TerminologySource, valueSet: ValueSet): string {
  return reason(source, valueSet, new Set()) ?? 'its definition uses a construct the hub does not evaluate';
}

function reason(source: TerminologySource, valueSet: ValueSet, seen: Set<string>): string | undefined {
  seen.add(valueSet.url ?? '');
  if (!valueSet.compose?.include) {
    return 'it has neither a compose nor an expansion';
  }
  for (const exclude of valueSet.compose.exclude ?? []) {
    if (!exclude.system || !exclude.concept || exclude.filter || exclude.valueSet) {
      return 'it excludes codes by filter, by ValueSet or without a system, which the hub does not evaluate';
    }
  }
  for (const include of valueSet.compose.include) {
    for (const ref of include.valueSet ?? []) {
      const url = ref.split('|')[0];
      const imported = source.valueSet(url);
      if (!imported) {
        return `it includes ValueSet ${url}, which the hub does not hold`;
      }
      if (seen.has(url)) {
        return `it includes itself through ValueSet ${url}`;
      }
      const inner = reason(source, imported, seen);
      if (inner) {
        return `it includes ValueSet ${url}, and ${inner}`;
      }
    }
  }
  return undefined;
}
