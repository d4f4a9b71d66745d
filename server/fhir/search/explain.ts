// Plan -> one line, for `_explain=true` (old name `__explain`) and for tests that pin what the planner does. It
// renders the Plan and the access conditions the storage runs, so the explanation cannot drift from the execution.
import type { Condition, RangeClause } from '../../contracts/condition.js';
import type { Plan } from '../../contracts/search-plan.js';

const range = (clause: RangeClause<string>) => `${clause.prefix}[${clause.low},${clause.high})`;

export function explainCondition(condition: Condition): string {
  switch (condition.kind) {
    case 'true':
    case 'false':
      return condition.kind;
    case 'and':
    case 'or':
      return `(${condition.conditions.map(explainCondition).join(` ${condition.kind.toUpperCase()} `)})`;
    case 'not':
      return `NOT ${explainCondition(condition.condition)}`;
    case 'id':
      return `id in {${condition.ids.join(',')}}`;
    case 'last-updated':
      return `last_updated ${range(condition.clause)}`;
    case 'compartment':
      return `compartment Patient key ${condition.patientKey}`;
    case 'present':
      return `has ${condition.param}`;
    case 'tokens':
      return `tokens any {${condition.entries.join(', ')}}`;
    case 'string':
      return `string ${condition.param} ${condition.match} "${condition.value}"`;
    case 'date':
      return `date ${condition.param} ${condition.clauses.map(range).join(' and ')}`;
    case 'number':
      return `number ${condition.param} ${range(condition.clause)}`;
    case 'quantity':
      return `quantity ${condition.param} ${range(condition.clause)}${condition.system ? ` ${condition.system}|${condition.code ?? ''}` : condition.code ? ` ${condition.code}` : ''}`;
    case 'reference': {
      const target = condition.url
        ? `${condition.url}${condition.version ? `|${condition.version}` : ''}`
        : `${condition.targetType ?? '*'}/${condition.targetId}`;
      return `reference ${condition.param} -> ${target}`;
    }
    case 'uri':
      return `uri ${condition.param} ${condition.match} "${condition.value}"`;
    case 'chain':
      return `${condition.param} -> ${condition.targetType} where ${explainCondition(condition.condition)}`;
    case 'has':
      return `referenced by ${condition.sourceType}.${condition.param} where ${explainCondition(condition.condition)}`;
    case 'in-compartment-of':
      return `in the compartment of a Patient where ${explainCondition(condition.condition)}`;
  }
}

export function explainPlan(plan: Plan): string {
  const types = plan.types.map((type) => `${type.resourceType} where ${explainCondition(type.where)}`).join(' UNION ');
  const ties = plan.types.length > 1 ? ['type asc', 'id asc'] : ['id asc'];
  const order = [...plan.sort.map((key) => `${key.param} ${key.descending ? 'desc' : 'asc'}`), ...ties].join(', ');
  const include = plan.include.map(
    (r) =>
      `${r.sourceType}:${r.param?.code ?? '*'}${r.targetType ? `:${r.targetType}` : ''}${r.iterate ? ' iterate' : ''}`,
  );
  const revinclude = plan.revinclude.map((r) => `${r.sourceType}:${r.param?.code}${r.iterate ? ' iterate' : ''}`);
  return [
    types,
    `order ${order}`,
    `limit ${plan.count}`,
    plan.cursor ? 'after cursor' : '',
    plan.total !== 'none' ? `total ${plan.total}` : '',
    include.length ? `include ${include.join(', ')}` : '',
    revinclude.length ? `revinclude ${revinclude.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
