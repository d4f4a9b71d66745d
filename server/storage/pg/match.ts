// Search criteria of conditional interactions (If-None-Exist, conditional update/delete, conditional references in
// Bundles) compiled to SQL over the per-type table. Supported: _id, _lastUpdated and every token parameter of the
// type (identifier, status, code, ...), with comma for OR and repetition for AND. Anything else is refused with a
// clear error rather than ignored: a conditional write on criteria the server cannot evaluate would match wrongly.
import { getSearchParameters } from '@medplum/core';
import type { Fragment } from 'postgres';
import { errors } from '../../errors.js';
import { dateRange as searchDateRange } from '../../fhir/search/extract/date.js';
import { tokenCriterion } from '../token-entry.js';
import type { Db } from './db.js';

const IGNORED = new Set(['_format', '_pretty', '_count', '_summary', '_elements']);
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'] as const;

interface DateRange {
  low: Date;
  high: Date; // exclusive
}

/**
 * A partial FHIR dateTime (2024, 2024-05, 2024-05-01, 2024-05-01T10:00:00Z) as the instants it covers: the search
 * layer's parser (server/fhir/search/extract/date.ts), as Dates for SQL parameters.
 */
export function dateRange(value: string): DateRange | undefined {
  const range = searchDateRange(value);
  return range && { low: new Date(range.low), high: new Date(range.high) };
}

function lastUpdatedCondition(db: Db, raw: string): Fragment {
  const prefix = PREFIXES.find((p) => raw.startsWith(p)) ?? 'eq';
  const value = PREFIXES.some((p) => raw.startsWith(p)) ? raw.slice(2) : raw;
  const range = dateRange(value);
  if (!range) {
    throw errors.badSearchValue('_lastUpdated', `"${raw}" is not a FHIR date or dateTime`);
  }
  switch (prefix) {
    case 'eq':
      return db`(last_updated >= ${range.low} AND last_updated < ${range.high})`;
    case 'ne':
      return db`(last_updated < ${range.low} OR last_updated >= ${range.high})`;
    case 'gt':
    case 'sa':
      return db`last_updated >= ${range.high}`;
    case 'lt':
    case 'eb':
      return db`last_updated < ${range.low}`;
    case 'ge':
      return db`last_updated >= ${range.low}`;
    case 'le':
      return db`last_updated < ${range.high}`;
  }
}

/** Parses criteria (`identifier=a|b&status=active`) into SQL conditions joined with AND. */
export function criteriaCondition(db: Db, resourceType: string, criteria: string): Fragment {
  const params = new URLSearchParams(criteria.startsWith('?') ? criteria.slice(1) : criteria);
  const definitions = getSearchParameters(resourceType) ?? {};
  const conditions: Fragment[] = [];
  for (const [key, rawValue] of params) {
    const [code, modifier] = key.split(':', 2);
    if (IGNORED.has(code)) {
      continue;
    }
    if (modifier !== undefined) {
      throw errors.unsupportedSearchParameter(key, `${resourceType} in conditional interactions (no modifiers yet)`);
    }
    const values = rawValue.split(/(?<!\\),/).map((v) => v.replace(/\\,/g, ','));
    if (values.some((v) => v === '')) {
      throw errors.badSearchValue(code, 'an empty value');
    }
    if (code === '_id') {
      conditions.push(db`id = ANY(${values})`);
    } else if (code === '_lastUpdated') {
      const ors = values.map((value) => lastUpdatedCondition(db, value));
      conditions.push(ors.reduce((acc, c) => db`${acc} OR ${c}`));
    } else if (definitions[code]?.type === 'token') {
      conditions.push(db`tokens && ${values.map((value) => tokenCriterion(code, value))}::text[]`);
    } else {
      throw errors.unsupportedSearchParameter(code, `${resourceType} in conditional interactions (supported: _id, _lastUpdated and token parameters)`);
    }
  }
  if (conditions.length === 0) {
    throw errors.missingCriteria('interaction');
  }
  return conditions.reduce((acc, c) => db`${acc} AND (${c})`, db`NOT deleted`);
}

export async function findIds(db: Db, resourceType: string, criteria: string, limit: number): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    SELECT id FROM ${db(resourceType)} WHERE ${criteriaCondition(db, resourceType, criteria)} LIMIT ${limit}`;
  return rows.map((row) => row.id);
}
