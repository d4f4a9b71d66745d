// One allocation (ToegewezenProduct of a WMO301, StopProduct of a WMO307) as a hub-Coverage under the Wmo regime,
// and the municipality that pays it. WMO301 and WMO307 build the Coverage here alike, so that the conditional PUT of
// a stop writes every field a toewijzing wrote and wipes none.
import type { Coverage, CoverageClass, Identifier, Organization, Reference } from '@medplum/fhirtypes';
import { MappingError } from '../adapter.js';
import { NAMING } from '../shared/naming-systems.js';
import { PRODUCTCATEGORIE } from './code-maps.js';
import type { Located, Product } from './model.js';
import { matching, period } from './values.js';

const HUB = 'https://zorghub.example.org/fhir/';
const COVERAGE_CLASS = `${HUB}CodeSystem/coverage-class`;

export interface Allocation {
  readonly toewijzingNummer: Located;
  readonly product: Product;
  readonly categorie: Located;
  readonly start: Located;
  readonly end?: Located;
  readonly status: Coverage['status'];
  readonly beneficiary: string;
  readonly payor: { readonly reference: string; readonly identifier: Identifier };
}

export function toewijzingIdentifier(nummer: Located): Identifier {
  return { system: NAMING.toewijzingNummer, value: nummer.value };
}

export function gemeenteIdentifier(code: Located): Identifier {
  return { system: NAMING.gemeentecode, value: matching(code, /^[0-9]{4}$/, 'The gemeentecode') };
}

/** The payor party. Its name is required by hub-Organization but not in any iWmo message: see README. */
export function municipality(identifier: Identifier): Organization {
  return {
    resourceType: 'Organization',
    meta: { profile: [`${HUB}StructureDefinition/hub-Organization`] },
    identifier: [identifier],
    type: [
      { coding: [{ system: `${HUB}CodeSystem/organisation-role`, code: 'municipality', display: 'Municipality' }] },
    ],
    name: `Gemeente met CBS-code ${identifier.value}`,
  };
}

/** The product category, required by hub-cov-5 for a Wmo coverage. */
export function requiredCategorie(product: Product | undefined, at: string): { product: Product; categorie: Located } {
  if (!product?.categorie) {
    throw new MappingError(
      product ? `${product.at}/Categorie` : `${at}/Product`,
      'the product category (Product/Categorie) is missing: the hub stores a Wmo allocation with its product category',
    );
  }
  return { product, categorie: product.categorie };
}

export function coverageFor(allocation: Allocation): Coverage {
  const { product, categorie } = allocation;
  const classes: CoverageClass[] = [
    {
      type: { coding: [{ system: COVERAGE_CLASS, code: 'productcategorie' }] },
      value: matching(categorie, /^[0-9]{2}$/, 'The product category'),
      ...(PRODUCTCATEGORIE[categorie.value] ? { name: PRODUCTCATEGORIE[categorie.value] } : {}),
    },
  ];
  if (product.code) {
    classes.push({
      type: { coding: [{ system: COVERAGE_CLASS, code: 'productcode' }] },
      value: matching(product.code, /^[0-9A-Z]{5}$/, 'The product code'),
    });
  }
  const payor: Reference<Organization> = {
    reference: allocation.payor.reference,
    type: 'Organization',
    identifier: allocation.payor.identifier,
  };
  return {
    resourceType: 'Coverage',
    meta: { profile: [`${HUB}StructureDefinition/hub-Coverage`] },
    identifier: [toewijzingIdentifier(allocation.toewijzingNummer)],
    status: allocation.status,
    type: {
      coding: [{ system: `${HUB}CodeSystem/financing-regime`, code: 'wmo', display: 'Social Support Act (Wmo)' }],
    },
    beneficiary: { reference: allocation.beneficiary },
    period: period(allocation.start, allocation.end),
    payor: [payor],
    class: classes,
  };
}
