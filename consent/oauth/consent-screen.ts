// The consent screen (toestemmingsverklaring): names the PGO, the data services asked for in plain words and the
// period, with approve and deny. The period has two choices, once or until withdrawn, and neither is preselected:
// a lasting consent must be an explicit choice. The form carries a CSRF token that must match the request's.
import { dataService } from '../data-services.js';
import { escapeHtml, type Language, page } from './html.js';

export interface ConsentScreen {
  language: Language;
  clientName: string;
  dataServices: string[];
  requestId: string;
  csrfToken: string;
  /** Shown again when the form came back without a period. */
  missingPeriod?: boolean;
  /** A delegate deciding for a client: the client's name. */
  onBehalfOf?: string;
}

const TEXT = {
  nl: {
    title: 'Toestemming geven',
    intro: (pgo: string) => `<strong>${pgo}</strong> vraagt toegang tot de volgende gegevens over u:`,
    behalf: (name: string) =>
      `U geeft deze toestemming namens <strong>${name}</strong>, die u daarvoor heeft gemachtigd.`,
    period: 'Hoe lang mag deze app erbij?',
    once: 'Eenmalig (nu, en niet opnieuw zonder uw toestemming)',
    lasting: 'Tot ik mijn toestemming intrek',
    missing: 'Kies hoe lang de toestemming geldt.',
    approve: 'Toestemming geven',
    deny: 'Weigeren',
    withdraw: 'U kunt uw toestemming altijd weer intrekken.',
  },
  en: {
    title: 'Give consent',
    intro: (pgo: string) => `<strong>${pgo}</strong> asks for access to the following data about you:`,
    behalf: (name: string) => `You give this consent on behalf of <strong>${name}</strong>, who authorised you to.`,
    period: 'For how long may this app have access?',
    once: 'Once (now, and not again without your consent)',
    lasting: 'Until I withdraw my consent',
    missing: 'Choose how long the consent lasts.',
    approve: 'Give consent',
    deny: 'Deny',
    withdraw: 'You can withdraw your consent at any time.',
  },
};

export function renderConsentScreen(screen: ConsentScreen): string {
  const t = TEXT[screen.language];
  const items = screen.dataServices
    .map((id) => dataService(id)!)
    .map(
      (s) =>
        `<li><strong>${escapeHtml(s.name[screen.language])}</strong>: ${escapeHtml(s.description[screen.language])}</li>`,
    )
    .join('\n');
  const body = `<h1>${t.title}</h1>
${screen.onBehalfOf ? `<p>${t.behalf(escapeHtml(screen.onBehalfOf))}</p>\n` : ''}<p>${t.intro(escapeHtml(screen.clientName))}</p>
<ul>
${items}
</ul>
<form method="post" action="/oauth/consent">
<input type="hidden" name="request" value="${escapeHtml(screen.requestId)}">
<input type="hidden" name="csrf" value="${escapeHtml(screen.csrfToken)}">
<fieldset>
<legend>${t.period}</legend>
${screen.missingPeriod ? `<p class="warning" role="alert">${t.missing}</p>` : ''}
<div><input type="radio" id="period-once" name="period" value="once"><label for="period-once">${t.once}</label></div>
<div><input type="radio" id="period-lasting" name="period" value="until-withdrawn"><label for="period-lasting">${t.lasting}</label></div>
</fieldset>
<p>${t.withdraw}</p>
<button type="submit" name="decision" value="approve">${t.approve}</button>
<button type="submit" name="decision" value="deny">${t.deny}</button>
</form>`;
  return page(screen.language, t.title, body);
}

export function renderErrorPage(language: Language, message: { nl: string; en: string }): string {
  const title = language === 'nl' ? 'Er ging iets mis' : 'Something went wrong';
  return page(language, title, `<h1>${title}</h1>\n<p role="alert">${escapeHtml(message[language])}</p>`);
}
