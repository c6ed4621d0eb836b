/**
 * Tell each notebook's Python kernel that this JupyterLab applies `%expect` outputs to the open
 * notebook: with the marker set, the magic leaves the notebook file alone, so the next save does
 * not ask "the file changed on disk: overwrite or revert?". Set again after every kernel
 * (re)start; a kernel that never got it (another frontend, an old kernel) keeps writing the file.
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';

/** The variable `jupyter_promote.services.expect.LAB_MARKER` looks for. */
export const LAB_MARKER = '__jupyter_promote_lab__';
export const MARKER_CODE = `${LAB_MARKER} = True`;

/** Kernel statuses after which the kernel's namespace is new (or gone). */
const FRESH = new Set<string>(['starting', 'restarting', 'autorestarting', 'dead', 'unknown']);

/** True for kernels whose namespace takes the marker (Python ones). */
export function isPython(language: string | undefined): boolean {
  return (language ?? '').toLowerCase() === 'python';
}

/** Sets the marker once per kernel start; `send` is the silent execute (tests replace it). */
export class KernelMarker {
  private _marked: string | null = null;

  constructor(
    private readonly _send: (kernel: Kernel.IKernelConnection) => Promise<void> = sendMarker
  ) {}

  /** The kernel's status changed: forget the mark on a restart, mark when idle. */
  async onStatus(kernel: Kernel.IKernelConnection | null | undefined, status: string): Promise<void> {
    if (FRESH.has(status)) {
      this._marked = null;
      return;
    }
    if (status !== 'idle' || !kernel || this._marked === kernel.id) {
      return;
    }
    this._marked = kernel.id;
    try {
      const info = await kernel.info;
      if (!isPython(info.language_info?.name)) {
        return;
      }
      await this._send(kernel);
    } catch {
      this._marked = null; // try again at the next idle
    }
  }

  /** Another kernel now serves the notebook. */
  reset(): void {
    this._marked = null;
  }

  get marked(): string | null {
    return this._marked;
  }
}

async function sendMarker(kernel: Kernel.IKernelConnection): Promise<void> {
  const future = kernel.requestExecute({ code: MARKER_CODE, silent: true, store_history: false });
  await future.done;
}

function watch(context: ISessionContext): void {
  const marker = new KernelMarker();
  const kernel = () => context.session?.kernel;
  context.statusChanged.connect((_, status) => void marker.onStatus(kernel(), status));
  context.kernelChanged.connect(() => {
    marker.reset();
    void marker.onStatus(kernel(), kernel()?.status ?? 'unknown');
  });
  void context.ready.then(() => marker.onStatus(kernel(), kernel()?.status ?? 'unknown'));
}

/** Mark the kernel of every notebook opened from now on (and those already open). */
export function markNotebookKernels(tracker: INotebookTracker): void {
  const seen = new WeakSet<NotebookPanel>();
  const add = (panel: NotebookPanel) => {
    if (!seen.has(panel)) {
      seen.add(panel);
      watch(panel.sessionContext);
    }
  };
  tracker.forEach(add);
  tracker.widgetAdded.connect((_, panel) => add(panel));
}
