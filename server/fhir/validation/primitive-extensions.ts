// Works around a @medplum/core 4.5 FHIRPath gap: a primitive that carries an id or extensions (`_valueSet`) is
// handed to string functions as an object, so `valueSet.startsWith('http:')` throws "String function cannot be
// called with non-string" (eld-12 on every binding of an IG-published StructureDefinition). Invariants that fail
// that way are evaluated again on a copy without the `_name` siblings; an invariant that needs a primitive's
// extensions cannot be written with string functions anyway, so the retry does not change what it means.

export function isPrimitiveExtensionFailure(err: unknown): boolean {
  return (
    err instanceof Error &&
    /String function cannot be called with non-string/.test(
      `${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`,
    )
  );
}

/** A deep copy without the `_name` siblings of primitives. */
export function withoutPrimitiveExtensions<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map(withoutPrimitiveExtensions) as T;
  }
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key.charCodeAt(0) !== 95 || key === '_') {
        copy[key] = withoutPrimitiveExtensions(child);
      }
    }
    return copy as T;
  }
  return value;
}
