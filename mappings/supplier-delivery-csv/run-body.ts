// A body through an adapter as the ingest path takes it, minus storage: split, then per message parse and map, each
// MappingError kept as that message's outcome. What the golden files hold; anything else thrown is a bug and escapes.
import { type Adapter, type MappedMessage, MappingError, type MappingContext, type SourceMessage } from '../adapter.js';

export type Outcome =
  | MappedMessage
  | { readonly error: { readonly location: string; readonly stage: 'parse' | 'map'; readonly message: string } };

const asOutcome = (error: unknown): Outcome => {
  if (error instanceof MappingError) {
    return { error: { location: error.location, stage: error.stage, message: error.message } };
  }
  throw error;
};

async function runMessage<P>(adapter: Adapter<P>, message: SourceMessage, context: MappingContext) {
  try {
    return adapter.map(await adapter.parse(message), context);
  } catch (error) {
    return asOutcome(error);
  }
}

export async function runBody<P>(
  adapter: Adapter<P>,
  body: string,
  context: MappingContext,
): Promise<{ messages: SourceMessage[]; outcomes: Outcome[] }> {
  let messages: SourceMessage[];
  try {
    messages = adapter.split(body);
  } catch (error) {
    return { messages: [], outcomes: [asOutcome(error)] };
  }
  const outcomes: Outcome[] = [];
  for (const message of messages) outcomes.push(await runMessage(adapter, message, context));
  return { messages, outcomes };
}
