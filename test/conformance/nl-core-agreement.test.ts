// The hub's own profiles agree with Nictiz nl-core (zib2020) where both speak: the same identifier systems for BSN,
// AGB, URA and UZOVI, the zib Verzekeringssoort codes for Zvw coverage, and the hub's Zvw coverages and insurer
// organisations validate against the nl-core profiles for payers.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../server/fhir/definitions.js';
import { buildConformance, type Conformance } from '../../server/fhir/profiles/conformance.js';
import { HUB_PACKAGE_NAME } from '../../profiles/hub-package.js';
import { requireExternal } from '../support/external-material.js';

// Skipped with a warning when the reference material is missing (fails under CI): test/support/external-material.ts.
const nictiz = requireExternal('nictiz-r4-zib2020');
const NICTIZ = `${nictiz.path}/resources`;
const EXAMPLES = fileURLToPath(new URL('../../profiles/examples/', import.meta.url));
const ZIB_INSURANCE_TYPES =
  'http://decor.nictiz.nl/fhir/ValueSet/2.16.840.1.113883.2.4.3.11.60.40.2.1.1.1--20200901000000';
const NL_CORE_INSURANCE = 'http://nictiz.nl/fhir/StructureDefinition/nl-core-Payer.InsuranceCompany';
const NL_CORE_PAYER_ORGANIZATION = 'http://nictiz.nl/fhir/StructureDefinition/nl-core-Payer-Organization';

let conformance: Conformance;

beforeAll(async () => {
  if (!nictiz.available) {
    return;
  }
  loadDefinitions();
  conformance = await buildConformance({ packages: [NICTIZ], required: 'none' });
});

/** Every identifier system a set of profiles fixes or patterns, anywhere in their differentials. */
function identifierSystems(definitions: StructureDefinition[]): Set<string> {
  const systems = new Set<string>();
  for (const sd of definitions) {
    for (const element of sd.differential?.element ?? []) {
      if (element.path.endsWith('identifier.system') && element.fixedUri) {
        systems.add(element.fixedUri);
      }
      const pattern = element.patternIdentifier?.system;
      if (pattern) {
        systems.add(pattern);
      }
    }
  }
  return systems;
}

function examples(profile: string): Resource[] {
  const dir = `${EXAMPLES}${profile}/`;
  return readdirSync(dir)
    .filter((f) => f.startsWith('valid-'))
    .map((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as Resource);
}

describe.skipIf(!nictiz.available)('the hub profiles agree with nl-core', () => {
  it('use the same identifier systems for BSN, AGB, URA and UZOVI', () => {
    const all = conformance.registry.all('StructureDefinition');
    const hub = identifierSystems(all.filter((sd) => conformance.registry.source(sd.url) === HUB_PACKAGE_NAME));
    const nlCore = identifierSystems(all.filter((sd) => sd.url.startsWith('http://nictiz.nl/')));
    for (const system of ['bsn', 'agb-z', 'ura', 'uzovi'].map((s) => `http://fhir.nl/fhir/NamingSystem/${s}`)) {
      expect(nlCore.has(system), `nl-core fixes ${system}`).toBe(true);
      expect(hub.has(system), `the hub fixes ${system}`).toBe(true);
    }
    // Every fhir.nl system the hub uses is one nl-core knows: no home-made variants of national systems.
    for (const system of [...hub].filter((s) => s.startsWith('http://fhir.nl/'))) {
      expect(nlCore.has(system), `${system} is an nl-core system`).toBe(true);
    }
  });

  it('list exactly the zib Verzekeringssoort codes for Zvw coverage', () => {
    const zib = conformance.terminology.expand(ZIB_INSURANCE_TYPES);
    const hub = conformance.terminology.expand('https://zorghub.example.org/fhir/ValueSet/zvw-insurance-type');
    expect(zib?.complete).toBe(true);
    const codes = (e: typeof zib) => e!.contains.map((c) => `${c.system}|${c.code}`).sort();
    expect(codes(hub)).toEqual(codes(zib));
  });

  it('write Zvw coverages that nl-core-Payer.InsuranceCompany accepts', () => {
    const zvw = examples('hub-Coverage').filter((c) => JSON.stringify(c).includes('"code":"zvw"'));
    expect(zvw.length).toBeGreaterThanOrEqual(1);
    for (const coverage of zvw) {
      const errors = conformance.validator.validate(coverage, NL_CORE_INSURANCE).filter((i) => i.severity === 'error');
      expect(errors, coverage.id).toEqual([]);
    }
  });

  it('write insurer organisations that nl-core-Payer-Organization accepts', () => {
    const insurers = examples('hub-Organization').filter((o) => JSON.stringify(o).includes('NamingSystem/uzovi'));
    expect(insurers.length).toBeGreaterThanOrEqual(1);
    for (const organization of insurers) {
      const errors = conformance.validator
        .validate(organization, NL_CORE_PAYER_ORGANIZATION)
        .filter((i) => i.severity === 'error');
      expect(errors, organization.id).toEqual([]);
    }
  });
});
