// Element ids of ElementDefinitions: `Patient.identifier:bsn.system`, `Observation.value[x]:valueQuantity.unit`.
// A type slice of a choice (`value[x]:valueQuantity`) is the same element as its renamed form (`valueQuantity`),
// so both parse to the segment `valueQuantity`. Slice names cannot contain dots (eld-16), which makes the
// split safe; a re-slice (`a/b`) is kept as one slice name.
export interface IdSegment {
  name: string;
  sliceName?: string;
}

export function parseElementId(id: string): IdSegment[] {
  return id.split('.').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) {
      return { name: part };
    }
    const name = part.slice(0, colon);
    const sliceName = part.slice(colon + 1);
    if (name.endsWith('[x]')) {
      const prefix = name.slice(0, -3);
      if (sliceName.startsWith(prefix) && /^[A-Z]/.test(sliceName.slice(prefix.length))) {
        return { name: sliceName };
      }
    }
    return { name, sliceName };
  });
}
