import { describe, expect, it } from 'vitest';
import { FhirXmlError, parseFhirXml } from './parse-fhir-xml.js';

const FHIR = 'xmlns="http://hl7.org/fhir"';
const XHTML = 'xmlns="http://www.w3.org/1999/xhtml"';
const EXT = 'http://example.org/ext';

/** The JSON of <Patient> with the given content. */
function patient(content: string): Record<string, unknown> {
  return parseFhirXml(`<Patient ${FHIR}>${content}</Patient>`) as unknown as Record<string, unknown>;
}

function errorOf(xml: string): FhirXmlError {
  try {
    parseFhirXml(xml);
  } catch (err) {
    expect(err).toBeInstanceOf(FhirXmlError);
    return err as FhirXmlError;
  }
  throw new Error('expected parseFhirXml to throw');
}

describe('parseFhirXml: primitives', () => {
  it('types values by their FHIR type: booleans, integers, positiveInt, unsignedInt and decimals as JSON numbers', () => {
    const study = parseFhirXml(
      `<ImagingStudy ${FHIR}><status value="available"/><subject><reference value="Patient/1"/></subject>` +
        `<numberOfSeries value="0"/><numberOfInstances value="12"/></ImagingStudy>`,
    );
    expect(study).toMatchObject({ status: 'available', numberOfSeries: 0, numberOfInstances: 12 });
    const observation = parseFhirXml(
      `<Observation ${FHIR}><status value="final"/><code><text value="x"/></code>` +
        `<valueQuantity><value value="-12.50"/><unit value="mg"/></valueQuantity></Observation>`,
    ) as unknown as Record<string, unknown>;
    expect(observation.valueQuantity).toEqual({ value: -12.5, unit: 'mg' });
    expect(
      patient('<active value="false"/><multipleBirthInteger value="2"/><telecom><rank value="1"/></telecom>'),
    ).toEqual({
      resourceType: 'Patient',
      active: false,
      multipleBirthInteger: 2,
      telecom: [{ rank: 1 }],
    });
  });

  it('keeps codes, dates, ids and strings as strings, even when they look like numbers', () => {
    expect(
      patient('<id value="007"/><gender value="male"/><birthDate value="1970"/><name><family value="1e3"/></name>'),
    ).toEqual({
      resourceType: 'Patient',
      id: '007',
      gender: 'male',
      birthDate: '1970',
      name: [{ family: '1e3' }],
    });
  });

  it('keeps whitespace inside a value, turns literal newlines into spaces and keeps &#10; as a newline', () => {
    const json = patient('<name><text value="  Jan \n de  Vries "/><family value="a&#10;b&#x9;c"/></name>');
    expect(json.name).toEqual([{ text: '  Jan   de  Vries ', family: 'a\nb\tc' }]);
  });

  it('decodes character and entity references in values', () => {
    expect(
      patient('<name><text value="&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos; &#233;&#x1F600;"/></name>').name,
    ).toEqual([{ text: '<a> & "b" \'c\' é😀' }]);
  });

  it('puts the id and extensions of a primitive under _name', () => {
    const json = patient(
      `<birthDate id="bd" value="1974-12-25"><extension url="${EXT}"><valueDateTime value="1974-12-25T14:35:45-05:00"/></extension></birthDate>`,
    );
    expect(json).toEqual({
      resourceType: 'Patient',
      birthDate: '1974-12-25',
      _birthDate: { id: 'bd', extension: [{ url: EXT, valueDateTime: '1974-12-25T14:35:45-05:00' }] },
    });
  });

  it('writes only _name for a primitive that has extensions but no value', () => {
    const json = patient(`<gender><extension url="${EXT}"><valueCode value="unknown"/></extension></gender>`);
    expect(json).toEqual({ resourceType: 'Patient', _gender: { extension: [{ url: EXT, valueCode: 'unknown' }] } });
  });

  it('writes repeating primitives as parallel arrays with null where a value or its extras are absent', () => {
    const json = patient(
      `<name><given value="Peter"/><given><extension url="${EXT}"><valueString value="J"/></extension></given>` +
        `<given id="g3" value="Jim"/></name>`,
    );
    expect(json.name).toEqual([
      { given: ['Peter', null, 'Jim'], _given: [null, { extension: [{ url: EXT, valueString: 'J' }] }, { id: 'g3' }] },
    ]);
  });

  it('leaves out the _name array when no repeat has an id or extension', () => {
    expect(patient('<name><given value="A"/><given value="B"/></name>').name).toEqual([{ given: ['A', 'B'] }]);
  });
});

describe('parseFhirXml: structure', () => {
  it('writes an element whose maximum is not 1 as an array, even when it occurs once', () => {
    const json = patient(
      '<identifier><value value="1"/></identifier><gender value="female"/><address><line value="Straat 1"/></address>',
    );
    expect(json).toEqual({
      resourceType: 'Patient',
      identifier: [{ value: '1' }],
      gender: 'female',
      address: [{ line: ['Straat 1'] }],
    });
  });

  it('names a choice element after its type: valueQuantity, deceasedBoolean, valueCodeableConcept', () => {
    const json = patient(
      `<extension url="${EXT}"><valueCodeableConcept><coding><code value="x"/></coding></valueCodeableConcept></extension>` +
        '<deceasedBoolean value="true"/>',
    );
    expect(json).toEqual({
      resourceType: 'Patient',
      extension: [{ url: EXT, valueCodeableConcept: { coding: [{ code: 'x' }] } }],
      deceasedBoolean: true,
    });
  });

  it('puts the id attribute of a complex element in id, and the url of extensions and modifierExtensions in url', () => {
    const json = patient(
      `<modifierExtension id="m1" url="${EXT}/m"><valueBoolean value="true"/></modifierExtension>` +
        `<name id="n1"><extension url="${EXT}"><extension url="part"><valueInteger value="3"/></extension></extension></name>`,
    );
    expect(json).toEqual({
      resourceType: 'Patient',
      modifierExtension: [{ id: 'm1', url: `${EXT}/m`, valueBoolean: true }],
      name: [{ id: 'n1', extension: [{ url: EXT, extension: [{ url: 'part', valueInteger: 3 }] }] }],
    });
  });

  it('converts backbone elements, including those defined by contentReference (Questionnaire.item.item)', () => {
    const questionnaire = parseFhirXml(
      `<Questionnaire ${FHIR}><status value="draft"/><item><linkId value="1"/><type value="group"/>` +
        '<item><linkId value="1.1"/><type value="group"/><item><linkId value="1.1.1"/><type value="boolean"/>' +
        '<enableWhen><question value="1.0"/><operator value="="/><answerBoolean value="true"/></enableWhen>' +
        '</item></item></item></Questionnaire>',
    );
    expect(questionnaire).toEqual({
      resourceType: 'Questionnaire',
      status: 'draft',
      item: [
        {
          linkId: '1',
          type: 'group',
          item: [
            {
              linkId: '1.1',
              type: 'group',
              item: [
                {
                  linkId: '1.1.1',
                  type: 'boolean',
                  enableWhen: [{ question: '1.0', operator: '=', answerBoolean: true }],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('converts contained resources, with their resourceType', () => {
    const json = patient(
      '<contained><Organization><id value="org"/><name value="Zorg BV"/></Organization></contained>' +
        '<managingOrganization><reference value="#org"/></managingOrganization>',
    );
    expect(json).toEqual({
      resourceType: 'Patient',
      contained: [{ resourceType: 'Organization', id: 'org', name: 'Zorg BV' }],
      managingOrganization: { reference: '#org' },
    });
  });

  it('converts Bundle.entry.resource, Bundle.entry.link, Bundle.entry.response.outcome and Parameters inside them', () => {
    const bundle = parseFhirXml(
      `<Bundle ${FHIR}><type value="transaction-response"/><entry><link><relation value="self"/><url value="x"/></link>` +
        '<resource><Parameters><parameter><name value="p"/><part><name value="q"/><valueInteger value="1"/></part>' +
        '<part><name value="r"/><resource><Patient><active value="true"/></Patient></resource></part>' +
        '</parameter></Parameters></resource><response><status value="200 OK"/><outcome><OperationOutcome>' +
        '<issue><severity value="warning"/><code value="informational"/></issue></OperationOutcome></outcome></response>' +
        '</entry></Bundle>',
    );
    expect(bundle).toEqual({
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: [
        {
          link: [{ relation: 'self', url: 'x' }],
          resource: {
            resourceType: 'Parameters',
            parameter: [
              {
                name: 'p',
                part: [
                  { name: 'q', valueInteger: 1 },
                  { name: 'r', resource: { resourceType: 'Patient', active: true } },
                ],
              },
            ],
          },
          response: {
            status: '200 OK',
            outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'informational' }] },
          },
        },
      ],
    });
  });

  it('ignores the XML declaration, a byte order mark, comments, processing instructions and xsi attributes', () => {
    const xml =
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- a comment -->\r\n<?xml-stylesheet href="x.xsl"?>' +
      `<Patient ${FHIR} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://hl7.org/fhir x.xsd">` +
      '<!-- inside --><active value="true"/><?pi inside?></Patient>';
    expect(parseFhirXml(xml)).toEqual({ resourceType: 'Patient', active: true });
  });

  it('accepts the FHIR namespace under a prefix', () => {
    const xml = '<f:Patient xmlns:f="http://hl7.org/fhir"><f:name><f:family value="X"/></f:name></f:Patient>';
    expect(parseFhirXml(xml)).toEqual({ resourceType: 'Patient', name: [{ family: 'X' }] });
  });
});

describe('parseFhirXml: Narrative.div', () => {
  function div(inner: string): unknown {
    return (patient(`<text><status value="generated"/><div ${XHTML}>${inner}</div></text>`).text as { div: unknown })
      .div;
  }

  it('writes the div as a string with the XHTML namespace on the outer div and the inner markup kept', () => {
    expect(div('<p class="a">Hello <b>Jan</b></p>\n  <table><tr><td>1</td></tr></table>')).toBe(
      `<div ${XHTML}><p class="a">Hello <b>Jan</b></p>\n  <table><tr><td>1</td></tr></table></div>`,
    );
  });

  it('escapes text and attribute values again, and writes character references as the characters', () => {
    expect(div('<p title="&quot;a&quot; &amp; &lt;b&gt;">1 &lt; 2 &amp;&amp; 3 &gt; 2&#160;&#xE9;</p>')).toBe(
      `<div ${XHTML}><p title="&quot;a&quot; &amp; &lt;b>">1 &lt; 2 &amp;&amp; 3 &gt; 2\u00a0é</p></div>`,
    );
  });

  it('turns CDATA into escaped text and drops comments and processing instructions', () => {
    expect(div('<p><![CDATA[<b>not bold</b>]]><!-- note --><?pi x?></p>')).toBe(
      `<div ${XHTML}><p>&lt;b&gt;not bold&lt;/b&gt;</p></div>`,
    );
  });

  it('writes void elements as <br/> and other empty elements with an end tag', () => {
    expect(div('a<br/><hr></hr><td/><span></span>')).toBe(`<div ${XHTML}>a<br/><hr/><td></td><span></span></div>`);
  });

  it('drops an XHTML prefix and a redundant XHTML declaration, and keeps xml:lang', () => {
    const json = patient(
      '<text><status value="generated"/><h:div xmlns:h="http://www.w3.org/1999/xhtml" xml:lang="nl">' +
        `<h:p>x</h:p><p ${XHTML}>y</p></h:div></text>`,
    );
    expect(json.text).toEqual({ status: 'generated', div: `<div ${XHTML} xml:lang="nl"><p>x</p><p>y</p></div>` });
  });
});

describe('parseFhirXml: errors', () => {
  it.each([
    ['malformed XML', `<Patient ${FHIR}><active value="true"></Patient>`, 'malformed', /Malformed XML at line 1/],
    ['two root elements', `<Patient ${FHIR}/><Patient ${FHIR}/>`, 'malformed', /one root element/],
    ['a DTD', `<!DOCTYPE Patient [<!ENTITY x "y">]><Patient ${FHIR}><id value="&x;"/></Patient>`, 'malformed', /DTD/],
    [
      'a "<" in an attribute value',
      `<Patient ${FHIR}><id value="a<b"/></Patient>`,
      'malformed',
      /"<" in attribute value of <id>/,
    ],
    [
      'an undeclared entity',
      `<Patient ${FHIR}><id value="a&nbsp;b"/></Patient>`,
      'malformed',
      /undeclared entity "&nbsp;"/,
    ],
    [
      'a root without namespace',
      '<Patient><active value="true"/></Patient>',
      'not-fhir',
      /is in no namespace, not in the FHIR namespace/,
    ],
    [
      'a root in another namespace',
      '<ClinicalDocument xmlns="urn:hl7-org:v3"/>',
      'not-fhir',
      /namespace urn:hl7-org:v3/,
    ],
    [
      'an unknown resource type',
      `<Patiënt ${FHIR}/>`,
      'unknown-element',
      /^Patiënt: <Patiënt> is not a FHIR R4 resource type/,
    ],
    [
      'a Medplum-only resource type',
      `<Project ${FHIR}/>`,
      'unknown-element',
      /^Project: <Project> is not a FHIR R4 resource type/,
    ],
  ])('throws for %s', (_case, xml, code, message) => {
    const error = errorOf(xml);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['an unknown element', '<foo value="1"/>', 'Patient.foo: unknown element'],
    [
      'an unknown element inside an array item',
      '<name><family value="a"/></name><name><foo/></name>',
      'Patient.name[1].foo: unknown element',
    ],
    [
      'an unknown element in a contained resource',
      '<contained><Patient><bar/></Patient></contained>',
      'Patient.contained[0].bar: unknown element',
    ],
    [
      'a choice name with a type the choice does not allow',
      '<deceasedString value="x"/>',
      'Patient.deceasedString: unknown element',
    ],
    [
      'an id element where id is an attribute',
      '<name><id value="x"/></name>',
      'Patient.name[0].id: unknown element (id is an attribute here)',
    ],
    [
      'an element of another namespace',
      '<x:active xmlns:x="urn:x" value="true"/>',
      'Patient.active: element is in namespace urn:x',
    ],
    ['an unknown attribute', '<active value="true" foo="1"/>', 'Patient.active: unknown attribute "foo"'],
    [
      'an unknown element inside a primitive',
      '<active value="true"><coding/></active>',
      'Patient.active.coding: unknown element',
    ],
    ['a boolean that is not true or false', '<active value="yes"/>', 'Patient.active: "yes" is not a boolean'],
    [
      'an integer that is not one',
      '<multipleBirthInteger value="2.0"/>',
      'Patient.multipleBirthInteger: "2.0" is not a valid integer',
    ],
    ['a repeated 0..1 element', '<gender value="male"/><gender value="female"/>', 'Patient.gender: occurs 2 times'],
    [
      'a primitive with neither value nor extension',
      '<name><given/></name>',
      'Patient.name[0].given[0]: has neither a value',
    ],
    ['text content in a FHIR element', '<gender>male</gender>', 'Patient.gender: unexpected text "male"'],
    [
      'a contained element with two resources',
      '<contained><Basic/><Basic/></contained>',
      'Patient.contained[0]: must hold exactly one resource',
    ],
    [
      'a div outside the XHTML namespace',
      '<text><status value="empty"/><div>x</div></text>',
      'Patient.text.div: must be an XHTML element',
    ],
  ])('throws for %s, naming the path', (_case, content, message) => {
    expect(errorOf(`<Patient ${FHIR}>${content}</Patient>`).message).toContain(message);
  });

  it('gives the path and the kind of error as properties', () => {
    const error = errorOf(`<Patient ${FHIR}><name><foo/></name></Patient>`);
    expect([error.name, error.code, error.path]).toEqual(['FhirXmlError', 'unknown-element', 'Patient.name[0].foo']);
  });
});
