// The search benchmark's data set as a stream of batches: the reference resources (insurers, municipalities,
// suppliers, practitioners, catalogue Devices), then whole client records from one seeded PRNG until `total`
// resources. The same seed and total give the same resources, ids included, in every run.
import type { Resource } from '@medplum/fhirtypes';
import { generateClientRecord, Random, referenceResources } from '../generate.js';

export function* datasetBatches(seed: number, total: number, batchSize: number): Generator<Resource[]> {
  const rng = new Random(seed);
  const bsns = new Set<string>();
  let batch: Resource[] = [];
  let produced = 0;
  const push = function* (resources: Resource[]) {
    for (const resource of resources) {
      if (produced === total) return;
      batch.push(resource);
      produced++;
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  };
  yield* push(referenceResources());
  while (produced < total) yield* push(generateClientRecord(rng, bsns));
  if (batch.length) yield batch;
}
