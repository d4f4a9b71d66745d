// What the two $validate-code operations (CodeSystem and ValueSet) share: which concept the request names (exactly
// one of `code`, `coding`, `codeableConcept`; `display` goes with `code`, a Coding carries its own) and the
// Parameters they answer (`result`, `message`, `display`).
import type { Coding, OperationDefinitionParameter, Parameters } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import type { CodingCheck, CodingInput } from '../terminology/check-coding.js';
import type { OperationInput } from './parameters.js';

export const VALIDATE_CODE_OUTPUT: OperationDefinitionParameter[] = [
  { name: 'result', use: 'out', min: 1, max: '1', type: 'boolean' },
  { name: 'message', use: 'out', min: 0, max: '1', type: 'string' },
  { name: 'display', use: 'out', min: 0, max: '1', type: 'string' },
];

/** One coding (`code`, `coding`) or several (`codeableConcept`): the result is true when one of them is valid. */
export interface Asked {
  codings: CodingInput[];
  concept: boolean;
}

function fromCoding(coding: Coding): CodingInput {
  const { system, version, code, display } = coding;
  return Object.fromEntries(Object.entries({ system, version, code, display }).filter(([, v]) => v !== undefined));
}

/** `system` and `version` are the names of the code's system and version parameters, which differ per operation. */
export function askedConcept(input: OperationInput, names: { system?: string; version: string }): Asked {
  const given = ['code', 'coding', 'codeableConcept'].filter((name) => input.has(name));
  if (given.length !== 1) {
    throw errors.badParameter(
      given.length
        ? `$validate-code takes one of code, coding or codeableConcept, not ${given.join(' and ')}`
        : '$validate-code needs code, coding or codeableConcept',
    );
  }
  if (input.has('display') && !input.has('code')) {
    throw errors.badParameter('$validate-code: display goes with code; a Coding carries its own display');
  }
  const version = input.string(names.version);
  const withVersion = (coding: CodingInput): CodingInput =>
    version !== undefined && coding.version === undefined ? { ...coding, version } : coding;
  if (input.has('code')) {
    const system = names.system ? input.string(names.system) : undefined;
    const display = input.string('display');
    return {
      codings: [
        withVersion({
          ...(system ? { system } : {}),
          code: input.string('code'),
          ...(display !== undefined ? { display } : {}),
        }),
      ],
      concept: false,
    };
  }
  if (input.has('coding')) {
    return { codings: [withVersion(fromCoding(input.coding('coding')!))], concept: false };
  }
  const codings = input.codeableConcept('codeableConcept')!.coding ?? [];
  if (!codings.length) {
    throw errors.badParameter('$validate-code: the codeableConcept has no coding to validate');
  }
  return { codings: codings.map((c) => withVersion(fromCoding(c))), concept: true };
}

export function validateCodeParameters(check: CodingCheck): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'result', valueBoolean: check.result },
      ...(check.message ? [{ name: 'message', valueString: check.message }] : []),
      ...(check.display ? [{ name: 'display', valueString: check.display }] : []),
    ],
  };
}
