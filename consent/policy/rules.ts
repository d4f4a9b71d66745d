// The baseline access policy, as data: per role, which interactions on which resource types, within which scope,
// under which mask. decide.ts reads it, policy-repository.ts enforces it in SQL, and docs/access-policy.md is
// rendered from it (access-policy-doc.ts), so the documentation cannot drift from what is enforced. Deny by
// default: a role, type or interaction without a rule is refused. Persons and delegates get their rules from the
// data services of their token (data-services.ts), always inside the client's own Patient compartment.
import type { SystemRole } from '../../server/contracts/principal.js';

/** The interactions the policy decides on; vread is a read, patch an update, `resolve` the id lookup of a conditional write. */
export type AccessInteraction = 'read' | 'search' | 'history' | 'create' | 'update' | 'delete' | 'resolve';

export const ACCESS_INTERACTIONS: readonly AccessInteraction[] = [
  'read',
  'search',
  'history',
  'create',
  'update',
  'delete',
  'resolve',
];

/** Which resources of a type a rule opens; scope-condition.ts turns each into a search Condition. */
export type Scope =
  /** Every resource of the type. */
  | { kind: 'everything' }
  /** person / delegate: the resources in the client's own Patient compartment (a Patient: the client himself). */
  | { kind: 'own-compartment' }
  /** person: his own data-sharing Consents (directives.ts), the only consents he creates through the API; a delegate: those within his delegated data services. */
  | { kind: 'own-directives' }
  /** person / delegate: the Organizations that pay for the client's Coverage. */
  | { kind: 'own-payors' }
  /** Resources whose reference `params` point at the caller's organisation (by reference or by identifier). */
  | { kind: 'organization'; params: string[] }
  /** Resources charged to a Coverage the caller's organisation pays (`payor`): orders by `insurance`, deliveries through their order (scope-condition.ts). */
  | { kind: 'charged-to-own-coverage' }
  /**
   * Resources whose reference `params` point at the caller's organisation, or that are the item (`itemParam`) of a
   * resource that is the caller's organisation's by `via`: a Device it owns or holds, or that a delivery request
   * addressed to it or a delivery it made is about.
   */
  | {
      kind: 'items-of';
      params: string[];
      via: { type: string; itemParam: string; organizationParams: string[] }[];
    }
  /** Patients who are the subject of a resource that is the caller's organisation's by `via`. */
  | { kind: 'clients-of'; via: { type: string; patientParam: string; organizationParams: string[] }[] }
  /** Resources in the compartment of a client with whom the caller's organisation has a care relation. */
  | { kind: 'care-relation' }
  /** Nothing by the rules themselves: only what clients' permit directives open (decide.ts). */
  | { kind: 'none' };

/** What a masked principal may see of a resource: the top-level elements kept (resourceType, id, meta always). */
export type MaskName = 'delivery' | 'administrative';

export interface Rule {
  /** Stable id, recorded in the audit trail as the rule that allowed an access. */
  id: string;
  types: readonly string[];
  interactions: readonly AccessInteraction[];
  scope: Scope;
  mask?: MaskName;
  /**
   * A write under this rule may add references only to what the caller may already read (or to nothing stored):
   * for a role whose scope follows what it writes (a delivery names its client and its item), so that its own
   * write cannot widen what it sees (added-references.ts).
   */
  namesOnlyVisible?: true;
  /** An update under this rule may change only these top-level elements (write-rights.ts); it creates nothing. */
  changes?: readonly string[];
  /** Why, in one line, for docs/access-policy.md. */
  why: string;
}

const READ: AccessInteraction[] = ['read', 'search', 'resolve'];

/** A care relation: the client is the subject of an order, care plan or delivery request of the organisation. */
export const CARE_RELATION_VIA = [
  { type: 'DeviceRequest', patientParam: 'subject', organizationParams: ['requester', 'performer'] },
  { type: 'CarePlan', patientParam: 'subject', organizationParams: ['performer'] },
  { type: 'CareTeam', patientParam: 'subject', organizationParams: ['participant'] },
  { type: 'SupplyRequest', patientParam: 'subject', organizationParams: ['requester'] },
];

/** A delivery relation: the client receives what the organisation is to supply, deliver or hold. */
const DELIVERY_VIA = [
  { type: 'SupplyRequest', patientParam: 'subject', organizationParams: ['supplier'] },
  { type: 'SupplyDelivery', patientParam: 'patient', organizationParams: ['supplier'] },
  { type: 'DeviceRequest', patientParam: 'subject', organizationParams: ['performer'] },
];

/**
 * The items a delivery role works with besides what it owns or holds: the Device of a delivery request addressed
 * to it (SupplyRequest.itemReference, hub SearchParameter SupplyRequest-item) and of a delivery or collection it
 * made (SupplyDelivery.suppliedItem.itemReference, SupplyDelivery-item). The second keeps a delivered device, now
 * held by the client and owned by a municipality or insurer, open to the supplier that delivered it.
 */
const DELIVERY_ITEM_VIA = [
  { type: 'SupplyRequest', itemParam: 'item', organizationParams: ['supplier'] },
  { type: 'SupplyDelivery', itemParam: 'item', organizationParams: ['supplier'] },
];

/** Directory data (organisations, practitioners, locations): not about a client, readable by every system role. */
const DIRECTORY = ['Organization', 'Practitioner', 'PractitionerRole', 'Location'];

const CLINICAL_OF_CLIENT = [
  'Patient',
  'RelatedPerson',
  'CarePlan',
  'Goal',
  'CareTeam',
  'DeviceRequest',
  'Device',
  'DeviceUseStatement',
  'SupplyRequest',
  'SupplyDelivery',
  'Coverage',
  'Consent',
];

/**
 * The Provenance the ingest path writes with each message a client sends through an adapter (server/ingest/):
 * created once per message, found again by the message's identifier; never read or changed by the sender.
 */
function ingestProvenance(prefix: string): Rule {
  return {
    id: `${prefix}-ingest-provenance`,
    types: ['Provenance'],
    interactions: ['create', 'resolve'],
    scope: { kind: 'everything' },
    why: 'the Provenance of a message it sends through an adapter, naming what the message produced',
  };
}

/** The rules of every system role. */
export type PolicyRules = Readonly<Record<SystemRole, readonly Rule[]>>;

/** The baseline; HUB_ACCESS_POLICY may replace the rules of some roles (policy-file.ts). */
export const SYSTEM_RULES: PolicyRules = {
  admin: [
    {
      id: 'admin-operator',
      types: ['*'],
      interactions: ACCESS_INTERACTIONS,
      scope: { kind: 'everything' },
      why: 'the hub operator: registry, conformance resources, data maintenance; every access is audited',
    },
  ],
  'care-provider': [
    {
      id: 'care-directory',
      types: DIRECTORY,
      interactions: [...READ, 'create'],
      scope: { kind: 'everything' },
      why: 'directory data, no client data',
    },
    {
      id: 'care-new-client',
      types: ['Patient'],
      interactions: ['create', 'resolve'],
      scope: { kind: 'everything' },
      why: 'an EHR registers a client, or finds him by BSN for an order it writes, before it has a care relation',
    },
    {
      id: 'care-relation-read',
      types: CLINICAL_OF_CLIENT,
      interactions: [...READ, 'history'],
      scope: { kind: 'care-relation' },
      why: 'the client is the subject of an order, care plan, care team or delivery request of the organisation',
    },
    {
      id: 'care-orders-write',
      types: [
        'DeviceRequest',
        'CarePlan',
        'Goal',
        'CareTeam',
        'SupplyRequest',
        'DeviceUseStatement',
        'Patient',
        'RelatedPerson',
      ],
      interactions: ['create', 'update'],
      scope: { kind: 'care-relation' },
      why: 'orders and care plans for its own clients; the written resource must stay within its care relations',
    },
    {
      id: 'care-insurance-write',
      types: ['Coverage'],
      interactions: ['create', 'update'],
      scope: { kind: 'care-relation' },
      why: 'the insurance an order of its own is charged to (HL7 IN1), for a client within its care relations',
    },
    ingestProvenance('care'),
  ],
  supplier: deliveryRules('supply'),
  logistics: deliveryRules('logistics'),
  financier: [
    {
      id: 'finance-directory',
      types: DIRECTORY,
      interactions: [...READ, 'create'],
      scope: { kind: 'everything' },
      why: 'directory data, no client data; a municipality or care office registers itself as the payor its messages name',
    },
    {
      id: 'finance-new-beneficiary',
      types: ['Patient'],
      interactions: ['create', 'resolve'],
      scope: { kind: 'everything' },
      why: 'a municipality or care office registers the client its allocation is for, or finds him by BSN',
    },
    {
      id: 'finance-coverage-write',
      types: ['Coverage'],
      interactions: ['create', 'update'],
      scope: { kind: 'organization', params: ['payor'] },
      why: 'the allocations it decides (iWmo, iWlz): the written Coverage must name it as payor',
    },
    ingestProvenance('finance'),
    {
      id: 'finance-coverage',
      types: ['Coverage'],
      interactions: [...READ, 'history'],
      scope: { kind: 'organization', params: ['payor'] },
      why: 'the coverage it issued (its own regime: an insurer Zvw, a municipality Wmo, a care office Wlz)',
    },
    {
      id: 'finance-orders',
      types: ['DeviceRequest'],
      interactions: READ,
      scope: { kind: 'charged-to-own-coverage' },
      why: 'the orders charged to coverage it issued',
    },
    {
      id: 'finance-deliveries',
      types: ['SupplyDelivery'],
      interactions: READ,
      scope: { kind: 'charged-to-own-coverage' },
      why: 'the deliveries and returns of those orders (through the SupplyRequest each answers)',
    },
    {
      id: 'finance-beneficiaries',
      types: ['Patient'],
      interactions: READ,
      scope: {
        kind: 'clients-of',
        via: [{ type: 'Coverage', patientParam: 'beneficiary', organizationParams: ['payor'] }],
      },
      mask: 'administrative',
      why: 'the beneficiaries of its coverage: identification and address only',
    },
  ],
  auditor: [
    {
      id: 'audit-trail',
      types: ['AuditEvent', 'Consent', 'Provenance'],
      interactions: [...READ, 'history'],
      scope: { kind: 'everything' },
      why: 'the access log, the consents it rests on and the provenance of ingested data; never clinical content',
    },
  ],
};

/** A supplier's and a logistics provider's rules are the same delivery work, under ids of their own. */
function deliveryRules(prefix: 'supply' | 'logistics'): Rule[] {
  return [
    {
      id: `${prefix}-directory`,
      types: DIRECTORY,
      interactions: READ,
      scope: { kind: 'everything' },
      why: 'directory data, no client data',
    },
    {
      id: `${prefix}-orders`,
      types: ['DeviceRequest'],
      interactions: READ,
      scope: { kind: 'organization', params: ['performer'] },
      mask: 'delivery',
      why: 'the orders it is to fulfil, with only what delivery needs',
    },
    {
      id: `${prefix}-requests`,
      types: ['SupplyRequest'],
      interactions: READ,
      scope: { kind: 'organization', params: ['supplier'] },
      mask: 'delivery',
      why: 'the delivery requests addressed to it, with only what delivery needs',
    },
    {
      id: `${prefix}-request-status`,
      types: ['SupplyRequest'],
      interactions: ['update'],
      scope: { kind: 'organization', params: ['supplier'] },
      mask: 'delivery',
      changes: ['status'],
      why: 'the status of a delivery request addressed to it (completed once it delivered or collected), nothing else of it',
    },
    {
      id: `${prefix}-deliveries`,
      types: ['SupplyDelivery'],
      interactions: [...READ, 'create', 'update'],
      scope: { kind: 'organization', params: ['supplier'] },
      namesOnlyVisible: true,
      why: 'the deliveries and returns it makes, for the clients and items addressed to it',
    },
    {
      id: `${prefix}-devices`,
      types: ['Device'],
      interactions: [...READ, 'create', 'update'],
      scope: { kind: 'items-of', params: ['organization', 'holder'], via: DELIVERY_ITEM_VIA },
      mask: 'delivery',
      namesOnlyVisible: true,
      why: 'the devices it owns or holds, or that a delivery request addressed to it or a delivery it made is about: their location, holder and status, whoever owns them; a supplier registers a device it delivers',
    },
    ingestProvenance(prefix),
    {
      id: `${prefix}-clients`,
      types: ['Patient'],
      interactions: READ,
      scope: { kind: 'clients-of', via: DELIVERY_VIA },
      mask: 'delivery',
      why: 'the clients it delivers to: name, address and phone only',
    },
  ];
}

/** The core resource types the policy table (and its test) covers. */
export const CORE_TYPES = [...CLINICAL_OF_CLIENT, ...DIRECTORY, 'AuditEvent'];

/** Operations on the hub itself rather than on resources of a type: the audit trail's, the registry's, $access. */
export type HubOperation =
  | 'operation:verify'
  | 'operation:prune'
  | 'operation:access'
  | 'admin:clients'
  | 'operation:ingest-quarantine';

export interface OperationRule {
  /** Stable id, recorded in the audit trail as the rule that allowed an access. */
  id: string;
  operation: HubOperation;
  roles: readonly SystemRole[];
  /** Why, in one line, for docs/access-policy.md. */
  why: string;
}

/** Who may run each hub operation; system roles only, and not configurable (HUB_ACCESS_POLICY sets data rules). */
export const OPERATION_RULES: readonly OperationRule[] = [
  {
    id: 'audit-verify',
    operation: 'operation:verify',
    roles: ['auditor', 'admin'],
    why: 'AuditEvent/$verify: walks the hash chain and the signed checkpoints of the audit trail',
  },
  {
    id: 'audit-prune',
    operation: 'operation:prune',
    roles: ['admin'],
    why: '/admin/audit/$prune: removes records older than the retention period, leaving a signed checkpoint',
  },
  {
    id: 'access-explain',
    operation: 'operation:access',
    roles: ['auditor', 'admin'],
    why: '[type]/[id]/$access: who may read or write a resource now, and on what each rests',
  },
  {
    id: 'client-registry',
    operation: 'admin:clients',
    roles: ['admin'],
    why: '/admin/clients: registers, changes and removes OAuth clients',
  },
  {
    id: 'ingest-quarantine',
    operation: 'operation:ingest-quarantine',
    roles: ['admin', 'care-provider', 'supplier', 'logistics', 'financier'],
    why: '/$ingest/quarantine: the messages that could not be taken in, with why, and their replay; a sending client sees only its own',
  },
];

export function isHubOperation(interaction: string): interaction is HubOperation {
  return OPERATION_RULES.some((rule) => rule.operation === interaction);
}
