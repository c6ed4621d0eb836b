/**
 * The one request client of the panel: every route of docs/rest-api.md, typed.
 *
 * Requests go through `ServerConnection.makeRequest`, which adds the token and XSRF headers
 * Jupyter Server's authentication expects. Non-2xx answers become an {@link ApiError} carrying
 * the server's `message`, `hint` and `reason` as they are.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IApplyRequest,
  IErrorBody,
  IJob,
  IJobRequest,
  ILineageGraph,
  IParseResult,
  IPipelineDetail,
  IPipelines,
  IPipelineSpec,
  IPreview,
  IPromoteDefaults,
  IPromoteMetadata,
  IPromoteResult,
  IPromotionSettings,
  IStatus,
  ITriggerResult,
  Level
} from './types';

export const API_PREFIX = 'jupyter-promote/api';

/** A non-2xx answer (or no answer at all: `status` 0) from the server extension. */
export class ApiError extends Error {
  readonly status: number;
  readonly hint: string | null;
  readonly reason: string | null;
  readonly details: unknown;

  constructor(status: number, body: IErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.hint = body.hint ?? null;
    this.reason = body.reason ?? null;
    this.details = body.details ?? null;
  }
}

/** The error body of a failed response, or a sentence made from the status when it has none. */
export async function errorBody(response: Response): Promise<IErrorBody> {
  const text = await response.text().catch(() => '');
  try {
    const data = JSON.parse(text) as Partial<IErrorBody>;
    if (data && typeof data.message === 'string') {
      return {
        message: data.message,
        hint: data.hint ?? null,
        reason: data.reason ?? null,
        details: data.details ?? null
      };
    }
  } catch {
    // not JSON: fall through
  }
  const status = `${response.status} ${response.statusText}`.trim();
  return { message: `the server answered ${status}`, hint: text.slice(0, 200) || null };
}

export class PromoteApi {
  readonly settings: ServerConnection.ISettings;

  constructor(settings?: ServerConnection.ISettings) {
    this.settings = settings ?? ServerConnection.makeSettings();
  }

  /** The full URL of a route, e.g. `url('jobs', id)`. */
  url(...parts: string[]): string {
    return URLExt.join(this.settings.baseUrl, API_PREFIX, ...parts.map(encodeURIComponent));
  }

  async request<T>(method: string, parts: string[], body?: unknown, query = ''): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(this.url(...parts) + query, init, this.settings);
    } catch (err) {
      throw new ApiError(0, {
        message: `cannot reach the Jupyter server (${(err as Error).message})`,
        hint: 'check that JupyterLab is still running',
        reason: 'NetworkError'
      });
    }
    if (!response.ok) {
      throw new ApiError(response.status, await errorBody(response));
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  status(): Promise<IStatus> {
    return this.request('GET', ['status']);
  }

  check(path: string, notebook?: unknown): Promise<IPipelineSpec> {
    return this.request('POST', ['check'], notebook === undefined ? { path } : { path, notebook });
  }

  parseExpectation(line: string, severity?: Level): Promise<IParseResult> {
    return this.request('POST', ['expectations', 'parse'], severity ? { line, severity } : { line });
  }

  applyExpectations(body: IApplyRequest): Promise<{ metadata: IPromoteMetadata }> {
    return this.request('POST', ['expectations', 'apply'], body);
  }

  promoteDefaults(path: string): Promise<IPromoteDefaults> {
    return this.request('GET', ['promote', 'defaults'], undefined, `?path=${encodeURIComponent(path)}`);
  }

  preview(settings: IPromotionSettings): Promise<IPreview> {
    return this.request('POST', ['promote', 'preview'], { settings });
  }

  startJob(body: IJobRequest): Promise<IJob> {
    return this.request('POST', ['jobs'], body);
  }

  job(id: string): Promise<IJob> {
    return this.request('GET', ['jobs', id]);
  }

  pipelines(): Promise<IPipelines> {
    return this.request('GET', ['pipelines']);
  }

  pipeline(name: string): Promise<IPipelineDetail> {
    return this.request('GET', ['pipelines', name]);
  }

  /** The lineage around pipeline `name`, `depth` pipelines each way (server default: 2). */
  lineage(name: string, depth?: number): Promise<ILineageGraph> {
    const query = depth === undefined ? '' : `?depth=${encodeURIComponent(String(depth))}`;
    return this.request('GET', ['pipelines', name, 'lineage'], undefined, query);
  }

  trigger(name: string, parameters: Record<string, unknown> = {}): Promise<ITriggerResult> {
    return this.request('POST', ['pipelines', name, 'trigger'], { parameters });
  }

  setPaused(name: string, paused: boolean): Promise<{ name: string; paused: boolean }> {
    return this.request('POST', ['pipelines', name, paused ? 'pause' : 'resume'], {});
  }

  rollback(name: string, version?: string): Promise<IPromoteResult> {
    return this.request('POST', ['pipelines', name, 'rollback'], version ? { version } : {});
  }
}
