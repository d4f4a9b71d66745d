// fixed[x] and pattern[x] (http://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.pattern_x_):
// a fixed value must be matched exactly; a pattern only in what it states: every property of the pattern is in the
// value with a matching value, and every array item of the pattern matches some item of the value's array.

export function matchesFixed(value: unknown, fixed: unknown): boolean {
  if (Array.isArray(fixed)) {
    return Array.isArray(value) && value.length === fixed.length && fixed.every((f, i) => matchesFixed(value[i], f));
  }
  if (isObject(fixed)) {
    if (!isObject(value)) {
      return false;
    }
    const keys = Object.keys(fixed);
    return keys.length === Object.keys(value).length && keys.every((k) => matchesFixed(value[k], fixed[k]));
  }
  return value === fixed;
}

export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.every((p) => values.some((v) => matchesPattern(v, p)));
  }
  if (isObject(pattern)) {
    if (!isObject(value)) {
      return false;
    }
    return Object.keys(pattern).every((k) => matchesPattern(value[k], pattern[k]));
  }
  return value === pattern;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
