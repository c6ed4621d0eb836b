import { ServerConnection } from '@jupyterlab/services';
import { describe, expect, it, vi } from 'vitest';

import { ApiError, PromoteApi } from '../src/api';

function apiWith(respond: (req: Request) => Response | Promise<Response>) {
  const calls: Request[] = [];
  const fetchMock = vi.fn(async (req: Request) => {
    calls.push(req);
    return respond(req);
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/lab-base/',
    token: 'secret',
    fetch: fetchMock as unknown as typeof fetch,
    init: { cache: 'default' }
  });
  return { api: new PromoteApi(settings), calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('PromoteApi', () => {
  it('POSTs check with the path and the open model under the API prefix', async () => {
    const { api, calls } = apiWith(() => json(200, { steps: [], diagnostics: [] }));
    const nb = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
    const spec = await api.check('dir/a b.ipynb', nb);
    expect(spec.steps).toEqual([]);
    expect(calls).toHaveLength(1);
    const req = calls[0];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('http://localhost:8888/lab-base/jupyter-promote/api/check');
    expect(await req.json()).toEqual({ path: 'dir/a b.ipynb', notebook: nb });
    expect(req.headers.get('Authorization')).toBe('token secret');
    expect(req.headers.get('Content-Type')).toBe('application/json');
  });

  it('encodes query and path segments', async () => {
    const { api, calls } = apiWith(() => json(200, { settings: {}, source: 'new' }));
    await api.promoteDefaults('my dir/n&b.ipynb');
    expect(calls[0].method).toBe('GET');
    expect(calls[0].url).toBe(
      'http://localhost:8888/lab-base/jupyter-promote/api/promote/defaults?path=my%20dir%2Fn%26b.ipynb'
    );
    await api.job('ab/c');
    expect(calls[1].url).toBe('http://localhost:8888/lab-base/jupyter-promote/api/jobs/ab%2Fc');
  });

  it('sends the pipeline actions to their routes', async () => {
    const { api, calls } = apiWith(() => json(200, {}));
    await api.setPaused('daily-sales', true);
    await api.setPaused('daily-sales', false);
    await api.trigger('daily-sales');
    await api.rollback('daily-sales', 'abc123');
    expect(calls.map(c => `${c.method} ${new URL(c.url).pathname}`)).toEqual([
      'POST /lab-base/jupyter-promote/api/pipelines/daily-sales/pause',
      'POST /lab-base/jupyter-promote/api/pipelines/daily-sales/resume',
      'POST /lab-base/jupyter-promote/api/pipelines/daily-sales/trigger',
      'POST /lab-base/jupyter-promote/api/pipelines/daily-sales/rollback'
    ]);
    expect(await calls[2].json()).toEqual({ parameters: {} });
    expect(await calls[3].json()).toEqual({ version: 'abc123' });
  });

  it('GETs a pipeline and its lineage, with the depth when given', async () => {
    const graph = { center: 'daily sales', nodes: [], edges: [] };
    const { api, calls } = apiWith(() => json(200, graph));
    await api.pipeline('daily-sales');
    expect(await api.lineage('daily sales', 3)).toEqual(graph);
    await api.lineage('daily-sales');
    expect(calls.map(c => `${c.method} ${c.url}`)).toEqual([
      'GET http://localhost:8888/lab-base/jupyter-promote/api/pipelines/daily-sales',
      'GET http://localhost:8888/lab-base/jupyter-promote/api/pipelines/daily%20sales/lineage?depth=3',
      'GET http://localhost:8888/lab-base/jupyter-promote/api/pipelines/daily-sales/lineage'
    ]);
  });

  it('posts expectation parse, apply, preview and jobs bodies as given', async () => {
    const { api, calls } = apiWith(() => json(200, {}));
    await api.parseExpectation('loans: amount between 0 and 5', 'warn');
    await api.applyExpectations({ metadata: {}, op: 'remove', step: 'clean', variable: 'loans', index: 1 });
    await api.preview({ name: 'x', owner: 'ana' });
    await api.startJob({ kind: 'dry-run', path: 'a.ipynb' });
    expect(await calls[0].json()).toEqual({ line: 'loans: amount between 0 and 5', severity: 'warn' });
    expect(await calls[1].json()).toEqual({ metadata: {}, op: 'remove', step: 'clean', variable: 'loans', index: 1 });
    expect(await calls[2].json()).toEqual({ settings: { name: 'x', owner: 'ana' } });
    expect(new URL(calls[3].url).pathname).toBe('/lab-base/jupyter-promote/api/jobs');
  });

  it('turns an error answer into an ApiError with message, hint and reason as is', async () => {
    const { api } = apiWith(() =>
      json(422, { message: 'cell 3: bad tag', hint: 'rename it', reason: 'PipelineInvalid', details: { n: 1 } })
    );
    const err = await api.check('a.ipynb').catch(e => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.message).toBe('cell 3: bad tag');
    expect(err.hint).toBe('rename it');
    expect(err.reason).toBe('PipelineInvalid');
    expect(err.details).toEqual({ n: 1 });
  });

  it('keeps a non-JSON error readable', async () => {
    const { api } = apiWith(() => new Response('<html>Forbidden</html>', { status: 403, statusText: 'Forbidden' }));
    const err = await api.status().catch(e => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(403);
    expect(err.message).toBe('the server answered 403 Forbidden');
    expect(err.hint).toBe('<html>Forbidden</html>');
    expect(err.reason).toBeNull();
  });

  it('maps a network failure to status 0', async () => {
    const { api } = apiWith(() => {
      throw new TypeError('Failed to fetch');
    });
    const err = await api.pipelines().catch(e => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(0);
    expect(err.reason).toBe('NetworkError');
    expect(err.message).toContain('cannot reach the Jupyter server');
  });
});
