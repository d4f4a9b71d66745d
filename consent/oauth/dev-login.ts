// The built-in development login: a page listing the test BSNs from configuration (HUB_DEV_LOGIN_BSNS), clearly
// marked as not for production. It stands in for DigiD; with an OIDC upstream configured it is not offered.
import { escapeHtml, type Language, page } from './html.js';

export function renderDevLogin(
  language: Language,
  requestId: string,
  csrfToken: string,
  bsns: readonly string[],
): string {
  const nl = language === 'nl';
  const title = nl ? 'Inloggen (ontwikkelomgeving)' : 'Log in (development)';
  const options = bsns
    .map(
      (bsn, i) =>
        `<div><input type="radio" id="bsn-${i}" name="bsn" value="${escapeHtml(bsn)}"${i === 0 ? ' checked' : ''}><label for="bsn-${i}">BSN ${escapeHtml(bsn)}</label></div>`,
    )
    .join('\n');
  const body = `<h1>${title}</h1>
<p class="warning" role="note"><strong>${nl ? 'Niet voor productie.' : 'Not for production.'}</strong> ${
    nl
      ? 'Deze inlog vervangt DigiD alleen in een test- of ontwikkelomgeving.'
      : 'This login stands in for DigiD in test and development only.'
  }</p>
<form method="post" action="/oauth/login/dev">
<input type="hidden" name="request" value="${escapeHtml(requestId)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<fieldset>
<legend>${nl ? 'Kies een test-BSN' : 'Choose a test BSN'}</legend>
${options}
</fieldset>
<button type="submit">${nl ? 'Inloggen' : 'Log in'}</button>
</form>`;
  return page(language, title, body);
}
