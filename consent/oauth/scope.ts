// MedMij scopes: `<hub-provider-name>~<data-service-id>`, several separated by spaces. The provider name is the
// hub's (HUB_PROVIDER_NAME); a scope naming another provider, or a data service the hub does not have, is invalid.
import { dataService } from '../data-services.js';

export interface ParsedScope {
  dataServices: string[];
  invalid: string[];
}

export function parseScope(scope: string | undefined, providerName: string): ParsedScope {
  const dataServices: string[] = [];
  const invalid: string[] = [];
  for (const part of (scope ?? '').split(' ').filter(Boolean)) {
    const [provider, service, ...rest] = part.split('~');
    if (provider === providerName && service && rest.length === 0 && dataService(service)) {
      if (!dataServices.includes(service)) {
        dataServices.push(service);
      }
    } else {
      invalid.push(part);
    }
  }
  return { dataServices, invalid };
}

export function formatScope(dataServices: readonly string[], providerName: string): string {
  return dataServices.map((s) => `${providerName}~${s}`).join(' ');
}
