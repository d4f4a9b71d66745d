// parseFhirXml against the official R4 examples. The hl7.fhir.r4.examples package holds JSON only (no XML), so:
// (1) a few examples written by hand in XML, in the style of the spec's own XML pages, must give the package's
// JSON; (2) every example up to 20 KB is written to XML by a type-free writer (test-support/) and must read back
// as the same JSON, which checks the type-driven decisions (arrays, numbers, booleans, choice names, nested
// resources) on 4,868 resources of 139 types.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseFhirXml } from './parse-fhir-xml.js';
import { writeFhirXml } from '../../../test/support/write-fhir-xml.js';
import { serialiseDiv } from './xhtml.js';
import { parseXmlDocument } from './xml-tree.js';

const EXAMPLES_DIR = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
// Up to 20 KB: 4,868 files with every R4 resource type but Binary, in about 8 s; the larger files (definition
// bundles up to 31 MB, base64 Binaries) would add about a minute and no new structure.
const MAX_ROUND_TRIP_BYTES = 20_000;

function example(file: string): unknown {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8'));
}

/** Narratives in one form: written by serialiseDiv (escaping, empty elements) and, if asked, whitespace collapsed. */
function canonicalDivs(value: unknown, collapse: boolean): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => canonicalDivs(item, collapse));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        if (key !== 'div' || typeof item !== 'string') {
          return [key, canonicalDivs(item, collapse)];
        }
        const div = serialiseDiv(parseXmlDocument(item), 'div');
        return [key, collapse ? div.replace(/>\s+</g, '><').replace(/\s+/g, ' ') : div];
      }),
    );
  }
  return value;
}

const PATIENT_EXAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <id value="example"/>
  <!--   the narrative, whitespace aside   -->
  <text>
    <status value="generated"/>
    <div xmlns="http://www.w3.org/1999/xhtml">
      <table>
        <tbody>
          <tr><td>Name</td><td>Peter James <b>Chalmers</b> (&quot;Jim&quot;)
            </td></tr>
          <tr><td>Address</td><td>534 Erewhon, Pleasantville, Vic, 3999</td></tr>
          <tr><td>Contacts</td><td>Home: unknown. Work: (03) 5555 6473</td></tr>
          <tr><td>Id</td><td>MRN: 12345 (Acme Healthcare)</td></tr>
        </tbody>
      </table>
    </div>
  </text>
  <identifier>
    <use value="usual"/>
    <type><coding><system value="http://terminology.hl7.org/CodeSystem/v2-0203"/><code value="MR"/></coding></type>
    <system value="urn:oid:1.2.36.146.595.217.0.1"/>
    <value value="12345"/>
    <period><start value="2001-05-06"/></period>
    <assigner><display value="Acme Healthcare"/></assigner>
  </identifier>
  <active value="true"/>
  <name><use value="official"/><family value="Chalmers"/><given value="Peter"/><given value="James"/></name>
  <name><use value="usual"/><given value="Jim"/></name>
  <name>
    <use value="maiden"/><family value="Windsor"/><given value="Peter"/><given value="James"/>
    <period><end value="2002"/></period>
  </name>
  <telecom><use value="home"/></telecom>
  <telecom><system value="phone"/><value value="(03) 5555 6473"/><use value="work"/><rank value="1"/></telecom>
  <telecom><system value="phone"/><value value="(03) 3410 5613"/><use value="mobile"/><rank value="2"/></telecom>
  <telecom>
    <system value="phone"/><value value="(03) 5555 8834"/><use value="old"/>
    <period><end value="2014"/></period>
  </telecom>
  <gender value="male"/>
  <birthDate value="1974-12-25">
    <extension url="http://hl7.org/fhir/StructureDefinition/patient-birthTime">
      <valueDateTime value="1974-12-25T14:35:45-05:00"/>
    </extension>
  </birthDate>
  <deceasedBoolean value="false"/>
  <address>
    <use value="home"/><type value="both"/><text value="534 Erewhon St PeasantVille, Rainbow, Vic  3999"/>
    <line value="534 Erewhon St"/><city value="PleasantVille"/><district value="Rainbow"/><state value="Vic"/>
    <postalCode value="3999"/><period><start value="1974-12-25"/></period>
  </address>
  <contact>
    <relationship><coding><system value="http://terminology.hl7.org/CodeSystem/v2-0131"/><code value="N"/></coding></relationship>
    <name>
      <family value="du March&#233;">
        <extension url="http://hl7.org/fhir/StructureDefinition/humanname-own-prefix"><valueString value="VV"/></extension>
      </family>
      <given value="Bénédicte"/>
    </name>
    <telecom><system value="phone"/><value value="+33 (237) 998327"/></telecom>
    <address>
      <use value="home"/><type value="both"/><line value="534 Erewhon St"/><city value="PleasantVille"/>
      <district value="Rainbow"/><state value="Vic"/><postalCode value="3999"/><period><start value="1974-12-25"/></period>
    </address>
    <gender value="female"/>
    <period><start value="2012"/></period>
  </contact>
  <managingOrganization><reference value="Organization/1"/></managingOrganization>
</Patient>`;

const QUESTIONNAIRE_F201 = `<Questionnaire xmlns="http://hl7.org/fhir">
  <id value="f201"/>
  <text>
    <status value="generated"/>
    <div xmlns="http://www.w3.org/1999/xhtml"><pre>Lifelines Questionnaire 1 part 1
  1. Do you have allergies?
  2. General Questions:
    2.a) What is your gender?
    2.b) What is your date of birth?
    2.c) What is your country of birth?
    2.d) What is your marital status?
    3. Intoxications:
      3.a) Do you smoke?
      3.b) Do you drink alcohol?</pre></div>
  </text>
  <url value="http://hl7.org/fhir/Questionnaire/f201"/>
  <status value="active"/>
  <subjectType value="Patient"/>
  <date value="2010"/>
  <code>
    <system value="http://example.org/system/code/lifelines/nl"/>
    <code value="VL 1-1, 18-65_1.2.2"/>
    <display value="Lifelines Questionnaire 1 part 1"/>
  </code>
  <item><linkId value="1"/><text value="Do you have allergies?"/><type value="boolean"/></item>
  <item>
    <linkId value="2"/><text value="General questions"/><type value="group"/>
    <item><linkId value="2.1"/><text value="What is your gender?"/><type value="string"/></item>
    <item><linkId value="2.2"/><text value="What is your date of birth?"/><type value="date"/></item>
    <item><linkId value="2.3"/><text value="What is your country of birth?"/><type value="string"/></item>
    <item><linkId value="2.4"/><text value="What is your marital status?"/><type value="string"/></item>
  </item>
  <item>
    <linkId value="3"/><text value="Intoxications"/><type value="group"/>
    <item><linkId value="3.1"/><text value="Do you smoke?"/><type value="boolean"/></item>
    <item><linkId value="3.2"/><text value="Do you drink alchohol?"/><type value="boolean"/></item>
  </item>
</Questionnaire>`;

const response = (status: string, location?: string, etag?: string): string =>
  `<entry><response><status value="${status}"/>${location ? `<location value="${location}"/>` : ''}` +
  `${etag ? `<etag value="W/&quot;${etag}&quot;"/>` : ''}</response></entry>`;

const BUNDLE_RESPONSE = `<Bundle xmlns="http://hl7.org/fhir">
  <id value="bundle-response"/>
  <meta><lastUpdated value="2014-08-18T01:43:33Z"/></meta>
  <type value="transaction-response"/>
  <entry>
    <fullUrl value="http://example.org/fhir/Patient/12423"/>
    <resource>
      <Patient>
        <id value="12423"/>
        <meta><versionId value="1"/><lastUpdated value="2014-08-18T01:43:31Z"/></meta>
        <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">Some narrative</div></text>
        <active value="true"/>
        <name><use value="official"/><family value="Chalmers"/><given value="Peter"/><given value="James"/></name>
        <gender value="male"/>
        <birthDate value="1974-12-25"/>
      </Patient>
    </resource>
    <response>
      <status value="201 Created"/>
      <location value="Patient/12423/_history/1"/>
      <etag value='W/"1"'/>
      <lastModified value="2014-08-18T01:43:33Z"/>
      <outcome>
        <OperationOutcome>
          <issue>
            <severity value="warning"/>
            <code value="not-found"/>
            <details><text value="The Managing organization was not known and was deleted"/></details>
            <expression value="Patient.managingOrganization"/>
          </issue>
        </OperationOutcome>
      </outcome>
    </response>
  </entry>
  ${response('200 OK')}
  ${response('200 OK', 'Patient/123/_history/4', '4')}
  ${response('201 Created', 'Patient/12424/_history/1', '1')}
  ${response('200 ok', 'Patient/123a/_history/3', '3')}
  ${response('202 Accepted')}
  ${response('DELETE')}
  <entry>
    <fullUrl value="urn:uuid:7f9724ed-ef8d-4434-aacb-41869db83233"/>
    <resource><Parameters><parameter><name value="name"/><valueString value="LOINC"/></parameter></Parameters></resource>
    <response><status value="200 ok"/></response>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:e7bcef8e-5ef9-4d2b-87d5-b42b1eec9125"/>
    <resource><Bundle><id value="fb6ed6cb-324e-4588-87cd-0c92c68986ca"/><type value="searchset"/></Bundle></resource>
    <response><status value="200 OK"/></response>
  </entry>
  ${response('304 Not Modified')}
</Bundle>`;

describe('parseFhirXml on R4 examples written in XML by hand', () => {
  it.each([
    ['Patient-example.json', PATIENT_EXAMPLE],
    ['Questionnaire-f201.json', QUESTIONNAIRE_F201],
    ['Bundle-bundle-response.json', BUNDLE_RESPONSE],
  ])('gives the JSON of %s (narrative whitespace aside)', (file, xml) => {
    expect(canonicalDivs(parseFhirXml(xml), true)).toEqual(canonicalDivs(example(file), true));
  });
});

describe('parseFhirXml on every R4 example, written to XML and read back', () => {
  const files = readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.json') && file !== 'package.json')
    .filter((file) => statSync(join(EXAMPLES_DIR, file)).size <= MAX_ROUND_TRIP_BYTES)
    .sort();

  it('covers more than 4,800 examples', () => {
    expect(files.length).toBeGreaterThan(4800);
  });

  it('reads back the same JSON for each of them', () => {
    const different: string[] = [];
    for (const file of files) {
      const json = example(file) as Record<string, unknown>;
      try {
        if (!isDeepStrictEqual(parseFhirXml(writeFhirXml(json)), canonicalDivs(json, false))) {
          different.push(file);
        }
      } catch (err) {
        different.push(`${file}: ${(err as Error).message}`);
      }
    }
    expect(different).toEqual([]);
  });
});
