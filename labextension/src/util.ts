/** Timing and scheduling helpers shared by the panel. */

export interface IPromoteTimings {
  /** ms from the `check` response arriving to the graph being in the DOM (last check). */
  checkToGraph?: number;
  /** ms the `check` request took (request sent → response parsed). */
  checkRequest?: number;
  /** How many graphs were rendered since load. */
  renders?: number;
  [key: string]: number | undefined;
}

declare global {
  interface Window {
    jupyterPromoteTimings?: IPromoteTimings;
  }
}

/** The benchmark's timings object, `window.jupyterPromoteTimings`, created on first use. */
export function timings(): IPromoteTimings {
  if (typeof window === 'undefined') {
    return {};
  }
  return (window.jupyterPromoteTimings ??= {});
}

/** A debounced call: `fn` runs `ms` after the last `schedule()`; `cancel()` drops a pending one. */
export function debounce(fn: () => void, ms: number): { schedule(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    schedule() {
      if (timer !== null) {
        clearTimeout(timer);
      }
      timer = setTimeout(() => {
        timer = null;
        fn();
      }, ms);
    },
    cancel() {
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
    }
  };
}

/** The message (and hint) of an error as the panel shows it. */
export function errorText(err: unknown): { message: string; hint: string | null } {
  if (err && typeof err === 'object' && 'message' in err) {
    const e = err as { message: unknown; hint?: unknown };
    return {
      message: String(e.message),
      hint: typeof e.hint === 'string' && e.hint ? e.hint : null
    };
  }
  return { message: String(err), hint: null };
}

let chain: Promise<unknown> = Promise.resolve();

/** Run `work` after every change queued before it (failed ones included). */
export function serially<T>(work: () => Promise<T>): Promise<T> {
  const next = chain.then(work, work);
  chain = next.catch(() => undefined);
  return next;
}
