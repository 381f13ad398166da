/** One dependency's state, as `/readyz` reports it. */
export interface DependencyState {
  name: string;
  ok: boolean;
  detail: string;
}

/** The dependency checks of a process (bus, database, cache), asked by `/readyz`. */
export class ReadinessProbe {
  private readonly checks = new Map<string, () => Promise<{ ok: boolean; detail: string }>>();

  register(name: string, check: () => Promise<{ ok: boolean; detail: string }>): void {
    this.checks.set(name, check);
  }

  async check(timeoutMs = 2_000): Promise<{ ok: boolean; dependencies: DependencyState[] }> {
    const dependencies = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<{ ok: boolean; detail: string }>((resolve) => {
            timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
          });
          return { name, ...(await Promise.race([check(), timeout])) };
        } catch (error) {
          return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok: dependencies.every((dependency) => dependency.ok), dependencies };
  }
}
