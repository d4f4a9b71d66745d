// The few server-rendered pages of the authorization server (login, consent, errors): one accessible layout, Dutch
// by default with English for browsers that prefer it, every interpolated value escaped.

export type Language = 'nl' | 'en';

export function pickLanguage(acceptLanguage: string | undefined, explicit?: string): Language {
  if (explicit === 'nl' || explicit === 'en') {
    return explicit;
  }
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0].trim().toLowerCase();
    if (tag.startsWith('nl')) {
      return 'nl';
    }
    if (tag.startsWith('en')) {
      return 'en';
    }
  }
  return 'nl';
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function page(language: Language, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }
fieldset { border: 1px solid #767676; margin: 1rem 0; padding: 0.5rem 1rem; }
button { font-size: 1rem; padding: 0.5rem 1.25rem; margin-right: 0.5rem; }
.warning { border: 2px solid #b00020; padding: 0.5rem 1rem; }
:focus { outline: 3px solid #005fcc; outline-offset: 2px; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}
