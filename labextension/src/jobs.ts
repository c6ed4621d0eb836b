/**
 * Long operations (dry run, promote): start a job, then poll it until it ends.
 */
import { PromoteApi } from './api';
import { IJob, IJobRequest } from './types';

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
