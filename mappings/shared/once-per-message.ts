// One business object, one entry: a BSN, a ToewijzingNummer or a toewijzing named twice in one message would make two
// entries for one object in its transaction, so the second mention is refused where it stands, naming the first.
import { MappingError } from '../adapter.js';

/** A check per message: `check(key, at, refusal)` throws at `at` when `key` was seen before; `refusal` gets the first place. */
export function oncePerMessage(): (key: string, at: string, refusal: (first: string) => string) => void {
  const seen = new Map<string, string>();
  return (key, at, refusal) => {
    const first = seen.get(key);
    if (first !== undefined) throw new MappingError(at, refusal(first), 'map');
    seen.set(key, at);
  };
}
