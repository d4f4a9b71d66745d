// The adapters a hub offers, by name. An adapter that cannot run here (the iWlz adapter without its schemas) is
// listed with the reason, so that a message for it is refused with that reason rather than as unknown.
import type { Adapter } from '../../mappings/adapter.js';
import { errors } from '../errors.js';

export interface AdapterChoice {
  name: string;
  /** The adapter, or why it is not available on this hub. */
  adapter?: Adapter;
  unavailable?: string;
}

export class AdapterRegistry {
  readonly #choices: Map<string, AdapterChoice>;

  constructor(choices: AdapterChoice[]) {
    this.#choices = new Map(choices.map((choice) => [choice.name, choice]));
  }

  get(name: string): Adapter {
    const choice = this.#choices.get(name);
    if (!choice) throw errors.ingestUnknownAdapter(name, [...this.#choices.keys()].join(', '));
    if (!choice.adapter) throw errors.ingestAdapterUnavailable(name, choice.unavailable ?? 'not configured');
    return choice.adapter;
  }

  /** Every adapter with what it takes, for the docs and `GET /$ingest`. */
  list(): { name: string; description?: string; mediaTypes?: readonly string[]; unavailable?: string }[] {
    return [...this.#choices.values()].map(({ name, adapter, unavailable }) => ({
      name,
      description: adapter?.description,
      mediaTypes: adapter?.mediaTypes,
      ...(unavailable ? { unavailable } : {}),
    }));
  }
}
