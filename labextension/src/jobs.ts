/**
 * Long operations (dry run, promote): start a job, then poll it until it ends.
 */
import { PromoteApi } from './api';
import { IJob, IJobRequest, IPromotionSettings, JobKind } from './types';

export const POLL_MS = 500;

export function isFinished(job: IJob): boolean {
  return job.state === 'succeeded' || job.state === 'failed';
}

/** POST jobs, then GET jobs/{id} every `pollMs` until it ends; `onUpdate` sees every state. */
export async function runJob(
  api: PromoteApi,
  request: IJobRequest,
  onUpdate: (job: IJob) => void,
  options: { pollMs?: number; cancelled?: () => boolean; sleep?: (ms: number) => Promise<void> } = {}
): Promise<IJob> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>(r => setTimeout(r, ms)));
  let job = await api.startJob(request);
  onUpdate(job);
  while (!isFinished(job) && !options.cancelled?.()) {
    await sleep(options.pollMs ?? POLL_MS);
    job = await api.job(job.id);
    onUpdate(job);
  }
  return job;
}

/**
 * The `jobs` request the panel sends. A promotion asks the server not to write its settings into
 * the notebook file (`remember_in_file: false`): the panel keeps them in the open model instead
 * (see {@link rememberedSettings}), so the next save does not find the file changed on disk.
 */
export function jobRequest(kind: JobKind, path: string, settings: IPromotionSettings): IJobRequest {
  return kind === 'promote'
    ? { kind, path, settings, remember_in_file: false }
    : { kind, path, settings, dry_run: true };
}

/** The settings a succeeded promotion asks to keep in the open notebook, else null. */
export function rememberedSettings(job: IJob): Record<string, unknown> | null {
  const remember = job.result?.remember;
  if (job.kind !== 'promote' || job.state !== 'succeeded') {
    return null;
  }
  return remember && typeof remember === 'object' && !Array.isArray(remember) ? remember : null;
}
