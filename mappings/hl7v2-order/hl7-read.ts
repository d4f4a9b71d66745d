// Safe reading over @medplum/core's Hl7Message: its getters index arrays without bounds checks (a repetition that is
// not there is a TypeError) and return escaped text. Everything here returns undefined for what is absent, unescapes
// leaf values, treats the HL7 null `""` as absent, and names where a value sits ("PID-3", "OBR[2]-4").
import type { Hl7Context, Hl7Segment } from '@medplum/core';

/** One repetition of a field: its components, each split into subcomponents on demand. */
export class Rep {
  constructor(
    private readonly components: readonly string[],
    private readonly context: Hl7Context,
  ) {}

  /** Component `component` (1-based), subcomponent `sub` (1-based), unescaped and trimmed; undefined when empty. */
  get(component: number, sub = 1): string | undefined {
    const raw = this.components[component - 1];
    if (raw === undefined) {
      return undefined;
    }
    const part = raw.split(this.context.subcomponentSeparator)[sub - 1];
    return part === undefined ? undefined : clean(unescapeHl7(part, this.context));
  }

  /** The repetition as one text, separators inside it kept (an FT note that holds a "^"), unescaped. */
  whole(): string {
    const components = [...this.components];
    while (components.length > 0 && components[components.length - 1].trim() === '') {
      components.pop();
    }
    return unescapeHl7(components.join(this.context.componentSeparator), this.context).trim();
  }

  /** Whether any component holds a value. */
  get present(): boolean {
    return this.components.some((c) => clean(c) !== undefined);
  }
}

/** A segment of the message with its place: the n-th segment of its name (1-based) and its line in the message. */
export class Seg {
  constructor(
    readonly segment: Hl7Segment,
    /** 1-based: the second OBR of a message has ordinal 2. */
    readonly ordinal: number,
    /** 1-based line of the segment in the message. */
    readonly line: number,
  ) {}

  get name(): string {
    return this.segment.name;
  }

  /** The repetitions of field `field` (1-based, as in "PID-3") that hold a value. */
  reps(field: number): Rep[] {
    const components = this.segment.getField(field)?.components ?? [];
    return components.map((c) => new Rep(c, this.segment.context)).filter((r) => r.present);
  }

  /** The first repetition of field `field` that holds a value. */
  rep(field: number): Rep | undefined {
    return this.reps(field)[0];
  }

  /** A component of the first repetition of a field. */
  value(field: number, component = 1, sub = 1): string | undefined {
    return this.rep(field)?.get(component, sub);
  }

  /** Where a field sits, in HL7 terms: "PID-3", "OBR[2]-4"; without a field, the segment itself. */
  at(field?: number): string {
    const name = this.ordinal > 1 ? `${this.name}[${this.ordinal}]` : this.name;
    return field === undefined ? name : `${name}-${field}`;
  }
}

function clean(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' || trimmed === '""' ? undefined : trimmed;
}

/** Undoes HL7 escapes (\F\ \S\ \T\ \R\ \E\ \.br\ \Xhh\); highlighting and character-set switches are dropped. */
function unescapeHl7(value: string, context: Hl7Context): string {
  const esc = context.escapeCharacter;
  if (!esc || !value.includes(esc)) {
    return value;
  }
  const e = escapeRegExp(esc);
  return value.replace(new RegExp(`${e}([^${e}]*)${e}`, 'g'), (whole, body: string) => {
    switch (body) {
      case 'F':
        return context.fieldSeparator;
      case 'S':
        return context.componentSeparator;
      case 'T':
        return context.subcomponentSeparator;
      case 'R':
        return context.repetitionSeparator;
      case 'E':
        return esc;
      case '.br':
        return '\n';
      case 'H':
      case 'N':
        return '';
    }
    if (/^X([0-9A-Fa-f]{2})+$/.test(body)) {
      return Buffer.from(body.slice(1), 'hex').toString('latin1');
    }
    if (/^[CM][0-9A-Fa-f]+$/.test(body) || /^\.(sp|fi|nf|in|ti|ce|sk)/.test(body)) {
      return '';
    }
    return whole;
  });
}

/** The HL7 escapes for text written into a field of a reply. */
export function escapeHl7(value: string, context: Hl7Context): string {
  const esc = context.escapeCharacter || '\\';
  let out = '';
  for (const ch of value) {
    if (ch === esc) out += `${esc}E${esc}`;
    else if (ch === context.fieldSeparator) out += `${esc}F${esc}`;
    else if (ch === context.componentSeparator) out += `${esc}S${esc}`;
    else if (ch === context.repetitionSeparator) out += `${esc}R${esc}`;
    else if (ch === context.subcomponentSeparator) out += `${esc}T${esc}`;
    else if (ch === '\r' || ch === '\n') out += ' ';
    else out += ch;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
