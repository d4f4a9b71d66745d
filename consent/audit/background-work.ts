// Work that drains a queue in the background, as the audit trail's sealer and indexer do: `run()` is single-flight
// (a call while a run is going makes that run go round once more, so what arrived during its last round is done
// too), `soon()` runs it after a short delay, and a failed run is retried after `retryMs`. Timers do not keep the
// process alive; after `stop()` only explicit runs happen.
export class BackgroundWork {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    /** One round: drains what is there now. */
    private readonly round: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs: number,
    private readonly retryMs: number,
  ) {}

  soon(delayMs = this.delayMs): void {
    if (this.#stopped || this.#timer) {
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.run().catch((error: unknown) => {
        this.onError(error);
        this.soon(this.retryMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  run(): Promise<void> {
    this.#again = true;
    this.#running ??= (async () => {
      try {
        while (this.#again) {
          this.#again = false;
          await this.round();
        }
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
