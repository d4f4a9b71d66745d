// A light check of Narrative.div. R4 requires an XHTML <div> root (txt-1 with htmlChecks()) restricted to basic
// formatting; Medplum's FHIRPath htmlChecks() always returns true, so without this any markup, <script> included,
// would be stored and later rendered by clients. This is not an XHTML parser: it checks the root element, the
// element names against the list the HL7 reference validator allows, and active content in attributes.

const ALLOWED_ELEMENTS = new Set([
  'p',
  'br',
  'div',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'span',
  'b',
  'em',
  'i',
  'strong',
  'small',
  'big',
  'tt',
  'dfn',
  'q',
  'var',
  'abbr',
  'acronym',
  'cite',
  'blockquote',
  'hr',
  'address',
  'bdo',
  'kbd',
  'sub',
  'sup',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'pre',
  'table',
  'caption',
  'colgroup',
  'col',
  'thead',
  'tr',
  'tfoot',
  'tbody',
  'th',
  'td',
  'code',
  'samp',
  'img',
  'map',
  'area',
]);

const ROOT = /^\s*<div\s[^>]*xmlns\s*=\s*["']http:\/\/www\.w3\.org\/1999\/xhtml["']/;
// In XHTML a "<" in text must be escaped, so every "<letter" opens an element.
const DISALLOWED_ELEMENT = new RegExp(
  `<(?!(?:${[...ALLOWED_ELEMENTS].join('|')})(?![\\w:.-]))([A-Za-z][\\w:.-]*)`,
  'i',
);
// Cheap pre-check over the whole div; only when it hits are the tags parsed.
const MAYBE_ACTIVE = /on[a-z]+\s*=|javascript|vbscript|data:text\/html/i;
// Quoted values are consumed whole, so a ">" inside one does not end the tag early and hide what follows.
const TAG = /<([A-Za-z][\w:.-]*)((?:[^<>"']|"[^"]*"|'[^']*')*)/g;
const ATTRIBUTE = /([^\s=/"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;
const SCRIPT_URL = /^\s*(javascript|vbscript|data:text\/html)/i;

/** Returns why the div is not acceptable narrative, or undefined if it is. */
export function narrativeProblem(div: string): string | undefined {
  if (!ROOT.test(div)) {
    return 'must be a <div> element in the XHTML namespace (xmlns="http://www.w3.org/1999/xhtml")';
  }
  const disallowed = DISALLOWED_ELEMENT.exec(div);
  if (disallowed) {
    return `contains <${disallowed[1]}>, which narrative does not allow`;
  }
  if (!MAYBE_ACTIVE.test(div)) {
    return undefined;
  }
  for (const [, name, attributes] of div.matchAll(TAG)) {
    for (const [, attribute, double, single, bare] of attributes.matchAll(ATTRIBUTE)) {
      if (/^on/i.test(attribute) || SCRIPT_URL.test(double ?? single ?? bare)) {
        return `contains active content in the ${attribute} attribute of <${name}>`;
      }
    }
  }
  return undefined;
}
