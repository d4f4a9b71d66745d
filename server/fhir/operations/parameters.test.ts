// readInput: an operation's input read by its OperationDefinition, from the query string and a Parameters body.
import type { OperationDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { HubError } from '../../errors.js';
import { readInput } from './parameters.js';

const definition: OperationDefinition = {
  resourceType: 'OperationDefinition',
  name: 'Test',
  status: 'active',
  kind: 'operation',
  code: 'test',
  system: false,
  type: true,
  instance: false,
  parameter: [
    { name: 'url', use: 'in', min: 0, max: '1', type: 'uri' },
    { name: 'count', use: 'in', min: 0, max: '1', type: 'integer' },
    { name: 'flag', use: 'in', min: 0, max: '1', type: 'boolean' },
    { name: 'coding', use: 'in', min: 0, max: '1', type: 'Coding' },
    { name: 'concept', use: 'in', min: 0, max: '1', type: 'CodeableConcept' },
    { name: 'property', use: 'in', min: 0, max: '*', type: 'code' },
    { name: 'result', use: 'out', min: 1, max: '1', type: 'boolean' },
  ],
};

const get = (query: string) =>
  readInput(definition, { method: 'GET', query: new URLSearchParams(query), body: undefined });
const post = (parameter: unknown[], query = '') =>
  readInput(definition, {
    method: 'POST',
    query: new URLSearchParams(query),
    body: { resourceType: 'Parameters', parameter },
  });

function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect((error as HubError).code).toBe('HUB_ERR_REST_BAD_PARAMETER');
    return (error as HubError).message;
  }
  throw new Error('expected a refusal');
}

describe('readInput', () => {
  it('types query values by the definition', () => {
    const input = get('url=http://x&count=5&flag=true&coding=http%3A%2F%2Fs%7Cc&property=a&property=b');
    expect([input.string('url'), input.integer('count'), input.boolean('flag')]).toEqual(['http://x', 5, true]);
    expect(input.coding('coding')).toEqual({ system: 'http://s', code: 'c' });
    expect(input.strings('property')).toEqual(['a', 'b']);
  });

  it('reads a Parameters body, accepting any text-valued primitive for a text type', () => {
    const input = post([
      { name: 'url', valueCanonical: 'http://x' },
      { name: 'count', valueInteger: 2 },
      { name: 'concept', valueCodeableConcept: { coding: [{ system: 'http://s', code: 'c' }] } },
    ]);
    expect([input.string('url'), input.integer('count')]).toEqual(['http://x', 2]);
    expect(input.codeableConcept('concept')?.coding?.[0].code).toBe('c');
  });

  it('ignores the HTTP layer parameters that start with _', () => {
    expect(get('_format=json&_pretty=true').has('_format')).toBe(false);
  });

  it.each([
    ['an unknown name', () => get('nope=1'), 'has no parameter "nope"'],
    ['an output parameter', () => get('result=true'), 'has no parameter "result"'],
    ['a repeat beyond max', () => get('url=a&url=b'), 'at most 1'],
    ['a repeat across query and body', () => post([{ name: 'url', valueUri: 'b' }], 'url=a'), 'at most 1'],
    ['a non-integer', () => get('count=1.5'), 'integer'],
    ['a non-boolean', () => get('flag=yes'), 'true or false'],
    ['a CodeableConcept in the query string', () => get('concept=x'), 'Parameters body'],
    ['a body value of the wrong type', () => post([{ name: 'count', valueString: '2' }]), 'valueInteger'],
    ['a Coding with a non-string code', () => post([{ name: 'coding', valueCoding: { code: 5 } }]), 'valueCoding'],
    [
      'a body that is not Parameters',
      () => readInput(definition, { method: 'POST', query: new URLSearchParams(), body: { resourceType: 'Patient' } }),
      'Parameters',
    ],
    ['a parameter without name', () => post([{ valueUri: 'x' }]), 'needs a name'],
  ])('refuses %s', (_case, read, named) => {
    expect(refusal(read)).toContain(named);
  });

  it('refuses a negative count where a count is asked for', () => {
    expect(refusal(() => get('count=-1').nonNegative('count'))).toContain('must not be negative');
  });
});
