// Loads the data set through the hub's own write path, PgRepository.createMany (validation against R4 and the hub
// profiles, as HUB_REQUIRED_PROFILES=all enforces them; index extraction; one statement per resource type writing
// rows, history and search rows), so the search tables hold exactly what production would write and accept. Two
// batches in flight: one validates and indexes in this process while the other is in PostgreSQL. Progress goes to
// stderr at least every 10 seconds.
import type { Sql } from 'postgres';
import { loadDefinitions } from '../../server/fhir/definitions.js';
import { buildConformance } from '../../server/fhir/profiles/conformance.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { datasetBatches } from './dataset.js';

export const BATCH_SIZE = 500;
const IN_FLIGHT = 2;
const PROGRESS_MS = 10_000;

export interface LoadFigures {
  resources: number;
  seconds: number;
  perSecond: number;
}

export async function loadDataset(
  sql: Sql,
  seed: number,
  total: number,
  log: (message: string) => void,
): Promise<LoadFigures> {
  loadDefinitions();
  const repository = new PgRepository(sql, { conformance: await buildConformance({ required: 'all' }) });
  const batches = datasetBatches(seed, total, BATCH_SIZE);
  const started = performance.now();
  let loaded = 0;
  let lastReport = started;
  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastReport < PROGRESS_MS) return;
    lastReport = now;
    const seconds = (now - started) / 1000;
    const rate = loaded / seconds;
    const left = rate > 0 ? Math.round((total - loaded) / rate) : 0;
    log(
      `loaded ${loaded.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} resources, ${Math.round(rate)}/s, ~${left}s left`,
    );
  };
  // A timer too, so that a slow batch still shows progress.
  const timer = setInterval(() => report(), PROGRESS_MS);
  try {
    // Workers pull from the one generator: batch order (and so the data) does not depend on timing.
    const worker = async () => {
      for (let next = batches.next(); !next.done; next = batches.next()) {
        await repository.createMany(next.value);
        loaded += next.value.length;
        report();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } finally {
    clearInterval(timer);
  }
  report(true);
  const seconds = (performance.now() - started) / 1000;
  return { resources: loaded, seconds, perSecond: loaded / seconds };
}
