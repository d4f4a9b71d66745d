// A client's own view of an audit record: what his access log shows him of one AuditEvent. A record is filed under
// every client its access concerned (request-record.ts), so a search that returned several clients' data is in each
// one's log; each sees only his part of it: himself among the clients named, the resources that are his (each data
// entity says whose it is), and the query with its criteria values hidden unless the access was his own (a value
// typed by a supplier may be another client's BSN). Who accessed (the OAuth client, its organisation, its role) and
// on which rule stays; another person who acted (a client, a delegate) and the Consents an access of someone else
// rested on (his PGO grant, other clients' directives) are not shown. The auditor reads the whole record. Pure.
import type { AuditEvent, AuditEventAgent, AuditEventEntity } from '@medplum/fhirtypes';
import { ENTITY_CLIENT_DETAIL } from '../../server/storage/audit-event-form.js';

const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
/** Result parameters shape the answer, not the selection: their values name no one. */
const RESULT_PARAMETERS = new Set([
  '_count',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_elements',
  '_total',
  '_format',
  '_pretty',
  '_contained',
  '_containedType',
  '_include:iterate',
  '_revinclude:iterate',
]);
/** The agents that name the client on whose behalf an access was made (audit-event.ts). */
const CLIENT_ROLES = new Set(['client', 'client acted for']);
const HIDDEN_VALUE = '*';
/** What the rendering may remove, so a client may not search his log by it: another's entities and persons. */
export const OWN_LOG_HIDDEN: ReadonlySet<string> = new Set(['entity', 'agent']);

/** The record as `client` (`Patient/<id>`) may see it in his own access log. */
export function ownLogView(event: AuditEvent, client: string): AuditEvent {
  const own = (event.agent ?? []).some(
    (agent) => agent.who?.reference === client && agent.role?.some((role) => CLIENT_ROLES.has(role.text ?? '')),
  );
  const entity: AuditEventEntity[] = [];
  for (const item of event.entity ?? []) {
    const role = item.role?.system === OBJECT_ROLE ? item.role.code : undefined;
    if (role === '1') {
      if (item.what?.reference === client) entity.push(item);
    } else if (role === '24') {
      entity.push(own || !item.query ? item : { ...item, query: hideCriteria(item.query) });
    } else {
      const clients = (item.detail ?? []).filter((detail) => detail.type === ENTITY_CLIENT_DETAIL);
      if (clients.some((detail) => detail.valueString === client)) {
        entity.push({
          ...item,
          detail: (item.detail ?? []).filter(
            (detail) => detail.type !== ENTITY_CLIENT_DETAIL || detail.valueString === client,
          ),
        });
      }
    }
  }
  const agent = own ? event.agent : (event.agent ?? []).map(otherPersonHidden);
  return { ...event, agent, entity };
}

/** Another person who acted, and the Consents the access rested on, are not the reader's to see. */
function otherPersonHidden(agent: AuditEventAgent): AuditEventAgent {
  const reference = agent.who?.reference ?? '';
  const person = /^(Patient|RelatedPerson)\//.test(reference);
  const policy = agent.policy?.filter((uri) => !uri.startsWith('Consent/'));
  const { policy: _policy, ...rest } = agent;
  return {
    ...rest,
    ...(person ? { who: { display: 'een andere persoon (another person)' } } : {}),
    ...(policy?.length ? { policy } : {}),
  };
}

/** `GET Type?param=value&...` (base64) with each criterion's value replaced, result parameters kept. */
export function hideCriteria(base64: string): string {
  const text = Buffer.from(base64, 'base64').toString('utf8');
  const mark = text.indexOf('?');
  if (mark < 0) return base64;
  const parts = text
    .slice(mark + 1)
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const equals = part.indexOf('=');
      const name = equals < 0 ? part : part.slice(0, equals);
      return RESULT_PARAMETERS.has(safeDecode(name)) || equals < 0 ? part : `${name}=${HIDDEN_VALUE}`;
    });
  return Buffer.from(`${text.slice(0, mark)}?${parts.join('&')}`, 'utf8').toString('base64');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
