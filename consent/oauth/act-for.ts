// The delegate's choice after login: for whom does she act now? Herself (when she is a client here too) or one of
// the clients who authorised her. Nothing is preselected.
import { escapeHtml, type Language, page } from './html.js';

export function renderActFor(
  language: Language,
  requestId: string,
  csrfToken: string,
  choices: { key: string; name: string; self: boolean }[],
): string {
  const nl = language === 'nl';
  const title = nl ? 'Voor wie handelt u?' : 'On whose behalf do you act?';
  const options = choices
    .map((c, i) => {
      const label = c.self
        ? nl
          ? `Voor mijzelf (${c.name})`
          : `For myself (${c.name})`
        : nl
          ? `Namens ${c.name}`
          : `On behalf of ${c.name}`;
      return `<div><input type="radio" id="choice-${i}" name="choice" value="${escapeHtml(c.key)}" required><label for="choice-${i}">${escapeHtml(label)}</label></div>`;
    })
    .join('\n');
  const body = `<h1>${title}</h1>
<form method="post" action="/oauth/act-for">
<input type="hidden" name="request" value="${escapeHtml(requestId)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<fieldset>
<legend>${title}</legend>
${options}
</fieldset>
<button type="submit">${nl ? 'Verder' : 'Continue'}</button>
</form>`;
  return page(language, title, body);
}
