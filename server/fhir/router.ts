// Matches a method and a relative FHIR URL (a Bundle entry's request.url) to a row of the route table, the way
// fastify matches HTTP requests: literal segments before parameters.
import type { FhirRoute } from './routes.js';
import type { FhirMethod, FhirRequest } from './request.js';

export interface RouteMatch {
  route: FhirRoute;
  params: FhirRequest['params'];
  query: URLSearchParams;
}

function segments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

export function matchRoute(routes: FhirRoute[], method: FhirMethod, url: string): RouteMatch | undefined {
  const [pathPart, queryPart = ''] = url.split('?', 2);
  const parts = segments(pathPart);
  let best: { match: RouteMatch; literals: number } | undefined;
  for (const route of routes) {
    if (route.method !== method) {
      continue;
    }
    const pattern = segments(route.path);
    if (pattern.length !== parts.length) {
      continue;
    }
    const params: Record<string, string> = {};
    let literals = 0;
    const ok = pattern.every((segment, index) => {
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = decodeURIComponent(parts[index]);
        return true;
      }
      literals++;
      return segment === parts[index];
    });
    if (ok && (!best || literals > best.literals)) {
      best = { match: { route, params, query: new URLSearchParams(queryPart) }, literals };
    }
  }
  return best?.match;
}
