// A minimal browser for end-to-end tests of the OAuth pages: keeps cookies, does not follow redirects on its own
// (tests look at each Location), reads forms' hidden fields and submits them as a real browser would.

export interface Page {
  status: number;
  location?: string;
  html: string;
  headers: Headers;
}

export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.send(url, { method: 'GET', headers });
  }

  async submit(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Follows same-site redirects until a page or a redirect elsewhere (the PGO's callback). */
  async follow(page: Page): Promise<Page> {
    let current = page;
    while (current.location?.startsWith('/')) {
      current = await this.get(current.location);
    }
    return current;
  }

  forgetCookies(): void {
    this.cookies.clear();
  }

  private async send(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Page> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url.startsWith('http') ? url : `${this.baseUrl}${url}`, {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair.split('=');
      this.cookies.set(name.trim(), value.join('='));
    }
    return {
      status: response.status,
      location: response.headers.get('location') ?? undefined,
      html: await response.text(),
      headers: response.headers,
    };
  }
}

/** The hidden inputs of the first form on the page. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1]] = match[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  }
  return fields;
}
