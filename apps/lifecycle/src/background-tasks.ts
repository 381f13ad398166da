import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';

/**
 * Work that goes on after a handler answered (a drain, waiting for Ready). Shutting down aborts it and waits,
 * so nothing writes to a closed database.
 */
@Injectable()
export class BackgroundTasks implements OnModuleDestroy {
  private readonly logger = new Logger('lifecycle');
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  run(name: string, work: (signal: AbortSignal) => Promise<void>): void {
    if (this.abort.signal.aborted) return;
    const task = work(this.abort.signal).catch((error) => {
      if (!this.abort.signal.aborted) this.logger.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  /** Waits `ms` unless shutting down; false when it was cut short. */
  sleep(ms: number): Promise<boolean> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running]);
  }
}
