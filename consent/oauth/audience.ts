// The `aud` of an authorization request (SMART App Launch): the FHIR server the PGO means its token for. The hub
// mints tokens for itself only, so an `aud` that is not its own FHIR base URL is refused before anyone logs in, and
// a token is never issued for another server. Compared as URLs (scheme and host case-insensitive, a default port
// the same as none, a trailing slash ignored); a query or a fragment makes it another URL.

/** The URL as compared, or undefined when it is not an absolute http(s) URL without query or fragment. */
function normalisedBase(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search ||
    url.hash ||
    raw.includes('?') ||
    raw.includes('#') ||
    url.username ||
    url.password
  ) {
    return undefined;
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Whether `aud` names the hub's own FHIR base URL. */
function isOwnAudience(aud: string, hubBaseUrl: string): boolean {
  const own = normalisedBase(hubBaseUrl);
  return own !== undefined && normalisedBase(aud) === own;
}

/**
 * A scope of the MedMij form `<provider>~<data service>` (whether or not the hub has it); anything else is
 * SMART-style (`patient/*.read`, `launch/patient`, `openid`), for which `aud` is required.
 */
function isMedmijScope(scope: string): boolean {
  return /^[^~\s]+~[^~\s]+$/.test(scope);
}

/** The problem with a request's `aud`, or undefined when it may go on. */
export function audienceProblem(
  aud: string | undefined,
  scope: string | undefined,
  hubBaseUrl: string,
): string | undefined {
  if (aud === undefined) {
    const smart = (scope ?? '').split(' ').filter((s) => s && !isMedmijScope(s));
    return smart.length
      ? `aud is required with SMART-style scopes (${smart.join(' ')}): the hub's FHIR base URL, ${hubBaseUrl}`
      : undefined;
  }
  return isOwnAudience(aud, hubBaseUrl)
    ? undefined
    : `aud must be this hub's FHIR base URL, ${hubBaseUrl}; tokens for another server are not issued here`;
}
