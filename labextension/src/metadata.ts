/**
 * The notebook's `jupyter_promote` metadata as the panel uses it: expectations grouped for
 * display, the change a `%expect` output asks for turned into an `expectations/apply` call, and
 * the one way the panel writes the namespace into the open notebook (only when it differs).
 */
import {
  IApplyRequest,
  IExpectationConfig,
  IExpectationEntry,
  IExpectationsOutput,
  IPipelineSpec,
  IPromoteMetadata
} from './types';

export const METADATA_KEY = 'jupyter_promote';
export const SCHEMA_VERSION = 1;

/** What holds notebook metadata: the open `NotebookModel` or its shared model. */
export interface IMetadataHolder {
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
}

export interface IVariableGroup {
  step: string;
  variable: string;
  entries: IExpectationEntry[];
}

/** Expectations of a check answer grouped per step and variable, steps in run order. */
export function groupExpectations(spec: IPipelineSpec): IVariableGroup[] {
  const groups = new Map<string, IVariableGroup>();
  for (const entry of spec.expectations) {
    const key = `${entry.step}\u0000${entry.variable}`;
    if (!groups.has(key)) {
      groups.set(key, { step: entry.step, variable: entry.variable, entries: [] });
    }
    groups.get(key)!.entries.push(entry);
  }
  const rank = (step: string) => {
    const at = spec.order.indexOf(step);
    return at < 0 ? spec.order.length : at;
  };
  return [...groups.values()].sort(
    (a, b) => rank(a.step) - rank(b.step) || a.variable.localeCompare(b.variable)
  );
}

/** The step whose cells leave `variable` in its final state: the last in run order defining it. */
export function stepDefining(spec: IPipelineSpec, variable: string): string | null {
  const ordered = spec.order.length
    ? spec.order.map(n => spec.steps.find(s => s.name === n)).filter(s => s !== undefined)
    : spec.steps;
  const owners = ordered.filter(s => s!.defines.includes(variable));
  return owners.length ? owners[owners.length - 1]!.name : null;
}

/** Variables some step defines, sorted, for the variable picker. */
export function definedVariables(spec: IPipelineSpec): string[] {
  return [...new Set(spec.steps.flatMap(s => s.defines))].sort();
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).sort().map(k => [k, sortKeys(obj[k])]));
  }
  return value;
}

/** The notebook's `jupyter_promote` namespace ({} when it has none or it is not an object). */
export function promoteMetadata(holder: IMetadataHolder): IPromoteMetadata {
  const value = holder.getMetadata(METADATA_KEY);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as IPromoteMetadata) : {};
}

/**
 * Set the notebook's `jupyter_promote` namespace, only when `value` differs from what it holds
 * (key order aside): an equal value is no change, so it neither dirties the notebook nor adds
 * an undo step. Returns whether the model changed.
 */
export function setPromoteMetadata(holder: IMetadataHolder, value: IPromoteMetadata): boolean {
  if (sameJson(holder.getMetadata(METADATA_KEY) ?? null, value)) {
    return false;
  }
  holder.setMetadata(METADATA_KEY, value);
  return true;
}

/**
 * The namespace with `promotion` set to `settings`, every other key kept, and `schema_version`
 * added only when the namespace had none.
 */
export function withPromotion(namespace: IPromoteMetadata, settings: Record<string, unknown>): IPromoteMetadata {
  const version = 'schema_version' in namespace ? {} : { schema_version: SCHEMA_VERSION };
  return { ...version, ...namespace, promotion: settings };
}

/**
 * Keep a promotion's settings in the open notebook (`jupyter_promote.promotion`), so the user's
 * next save writes them; returns whether the model changed (false when it already had them).
 */
export function rememberPromotion(holder: IMetadataHolder, settings: Record<string, unknown>): boolean {
  return setPromoteMetadata(holder, withPromotion(promoteMetadata(holder), settings));
}

/** True when the metadata already holds every expectation (type, kwargs, severity) given. */
export function alreadyApplied(
  metadata: IPromoteMetadata | undefined,
  step: string,
  variable: string,
  expectations: readonly IExpectationConfig[]
): boolean {
  const suite = metadata?.expectations?.[step]?.[variable];
  const have = suite?.expectations ?? [];
  return expectations.every(want =>
    have.some(
      got =>
        got.type === want.type &&
        sameJson(got.kwargs, want.kwargs) &&
        (got.severity ?? 'critical') === (want.severity ?? 'critical')
    )
  );
}

/** The parts of a notebook cell model {@link isLiveOutput} reads (JupyterLab's `ICodeCellModel`). */
export interface IOutputCell {
  type: string;
  executionState?: string;
  outputs?: { length: number; get(index: number): unknown };
}

/** The code cell whose outputs hold `output` (that very output model), else null. */
export function cellHolding<T extends IOutputCell>(cells: Iterable<T>, output: unknown): T | null {
  for (const cell of cells) {
    const outputs = cell.type === 'code' ? cell.outputs : undefined;
    for (let i = 0; outputs && i < outputs.length; i++) {
      if (outputs.get(i) === output) {
        return cell;
      }
    }
  }
  return null;
}

/**
 * True when an output of ours (`%expect`, `%promote`) just came from the kernel; false when it is
 * a saved output drawn again (opening the notebook, scrolling a windowed notebook, trusting it),
 * which must not change the model. Live: the code cell holding `output` (the very output model
 * the renderer got) is running. An output no cell of the notebook holds (a console on the
 * notebook's kernel, an ipywidgets `Output` of the `%promote` form) counts as live while the
 * kernel is busy.
 */
export function isLiveOutput(cells: Iterable<IOutputCell>, output: unknown, kernelBusy: boolean): boolean {
  const cell = cellHolding(cells, output);
  return cell ? cell.executionState === 'running' : kernelBusy;
}

/** The `expectations/apply` body that brings a `%expect` output's change into the open model. */
export function applyFromOutput(
  metadata: IPromoteMetadata | undefined,
  output: IExpectationsOutput
): IApplyRequest | null {
  if (!output.step || !output.variable || !Array.isArray(output.expectations)) {
    return null;
  }
  if (alreadyApplied(metadata, output.step, output.variable, output.expectations)) {
    return null;
  }
  return {
    metadata: metadata ?? {},
    op: 'add',
    step: output.step,
    variable: output.variable,
    expectations: output.expectations
  };
}

/**
 * The `expectations/apply` body of a `%expect --remove` output: the first step (as recorded)
 * holding the variable, like the kernel's file-based removal. Throws when none holds it.
 */
export function removalFromOutput(
  metadata: IPromoteMetadata | undefined,
  output: IExpectationsOutput
): IApplyRequest {
  const steps = Object.entries(metadata?.expectations ?? {});
  const found = steps.find(([, suites]) => suites && output.variable in suites);
  if (!found) {
    throw new Error(`"${output.variable}" has no recorded expectations in the open notebook`);
  }
  const body: IApplyRequest = {
    metadata: metadata ?? {},
    op: 'remove',
    step: found[0],
    variable: output.variable
  };
  if (typeof output.index === 'number') {
    body.index = output.index;
  }
  return body;
}

/**
 * True when the path a kernel reported is the notebook open at server-relative `relative`
 * (e.g. `a/b.ipynb`): an absolute path (`/root/proj/a/b.ipynb`) ends with it; a relative one is
 * relative to the server root (`a/b.ipynb`) or to the notebook's directory, the kernel's working
 * directory (`b.ipynb`).
 */
export function matchesNotebook(reported: string, relative: string): boolean {
  const given = reported.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  const rel = relative.replace(/\\/g, '/').replace(/^\/+/, '');
  if (given === rel || given.endsWith(`/${rel}`)) {
    return true;
  }
  const givenRelative = given !== '' && !/^([A-Za-z]:)?\//.test(given);
  return givenRelative && rel.endsWith(`/${given}`);
}

/**
 * The Python value a kernel user-expression gave, for `json.dumps(...)` expressions: the
 * `text/plain` is the repr of a JSON string, e.g. `'["a", "b"]'`.
 */
export function parsePyReprJson(text: string): unknown {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) {
    throw new Error(`not a Python string repr: ${text.slice(0, 40)}`);
  }
  const inner = text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, c: string) => {
    if (c.length > 1) {
      return String.fromCodePoint(parseInt(c.slice(1), 16));
    }
    return ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[c] ?? c;
  });
  return JSON.parse(inner);
}

/** Python code for the column names of `variable` as a JSON string (for user_expressions). */
export function columnsExpression(variable: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new Error(`"${variable}" is not a Python variable name`);
  }
  return `__import__('json').dumps([str(c) for c in ${variable}.columns])`;
}
