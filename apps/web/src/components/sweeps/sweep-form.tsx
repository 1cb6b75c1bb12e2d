'use client';

import type { ApiErrorBody, BenchmarkDto, FieldProblem, SweepCreatedDto, SweepPlanDto } from '@fer/contracts';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { readProxyError } from '@/lib/proxy-error';
import { domainLabel } from '@/lib/format';
import { hardNavigate } from '@/lib/hard-navigate';

export interface SweepFormOptions {
  benchmarks: BenchmarkDto[];
  methods: readonly string[];
  heads: readonly string[];
  maskNets: readonly string[];
  /** The training config's defaults, shown as placeholders. */
  defaults: Record<string, unknown> & { optimizer: Record<string, unknown> };
}

type Outcome =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'error'; message: string; problems: FieldProblem[] }
  | { kind: 'created'; created: SweepCreatedDto };

/** Spec fields the form edits, by the API's dotted problem path. */
const FORM_FIELDS: Record<string, string> = {
  name: 'sweep-name',
  description: 'sweep-description',
  benchmark: 'sweep-benchmark',
  sources: 'sweep-sources',
  targets: 'sweep-targets',
  seeds: 'sweep-seeds',
  priority: 'sweep-priority',
  'base.method': 'sweep-method',
  'base.head': 'sweep-head',
  'base.maskNet': 'sweep-mask-net',
  'base.epochs': 'sweep-epochs',
  'base.batchSize': 'sweep-batch-size',
  'base.maxTrainSamples': 'sweep-max-train-samples',
  'base.lambdaDiverse': 'sweep-lambda-diverse',
  'base.lambdaSeparation': 'sweep-lambda-separation',
  'base.optimizer.lr': 'sweep-lr',
  search: 'sweep-grid',
};

function fieldFor(problem: FieldProblem): string | undefined {
  if (FORM_FIELDS[problem.field]) return problem.field;
  // e.g. `sources.1` or `search.parameters.lr` belong to the field above them
  return Object.keys(FORM_FIELDS)
    .sort((a, b) => b.length - a.length)
    .find((field) => problem.field.startsWith(`${field}.`));
}

function parseScalar(text: string): string | number | boolean {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (trimmed !== '' && !Number.isNaN(Number(trimmed))) return Number(trimmed);
  return trimmed.replace(/^["']|["']$/g, '');
}

function parseGrid(text: string): Record<string, (string | number | boolean)[]> {
  const parameters: Record<string, (string | number | boolean)[]> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [path, values = ''] = line.split('=', 2);
    parameters[path.trim()] = values
      .split(',')
      .filter((value) => value.trim() !== '')
      .map(parseScalar);
  }
  return parameters;
}

/**
 * The spec the form describes, and the fields whose text is not a number (checked here, so "NaN" or "fast" is named as
 * what it is rather than sent on as a string the API can only call the wrong type).
 */
function specFromForm(
  form: HTMLFormElement,
  benchmarkName: string,
  domains: string[],
): { spec: Record<string, unknown>; problems: FieldProblem[] } {
  const data = new FormData(form);
  const problems: FieldProblem[] = [];
  const numberAt = (name: string, field: string): number | undefined => {
    const text = String(data.get(name) ?? '').trim();
    if (text === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value))
      problems.push({ field, message: `"${text}" is not a number: type digits, e.g. 10 or 0.0002` });
    return value;
  };
  const targets = data.getAll('targets').map(String);
  const base: Record<string, unknown> = {
    method: data.get('method') || undefined,
    head: data.get('head') || undefined,
    maskNet: data.get('maskNet') || undefined,
    epochs: numberAt('epochs', 'base.epochs'),
    batchSize: numberAt('batchSize', 'base.batchSize'),
    maxTrainSamples: numberAt('maxTrainSamples', 'base.maxTrainSamples'),
    lambdaDiverse: numberAt('lambdaDiverse', 'base.lambdaDiverse'),
    lambdaSeparation: numberAt('lambdaSeparation', 'base.lambdaSeparation'),
  };
  const lr = numberAt('lr', 'base.optimizer.lr');
  if (lr !== undefined) base.optimizer = { lr };
  const seeds = String(data.get('seeds') ?? '')
    .split(',')
    .filter((seed) => seed.trim() !== '')
    .map((seed) => {
      const value = Number(seed.trim());
      if (!Number.isInteger(value))
        problems.push({ field: 'seeds', message: `"${seed.trim()}" is not a whole number` });
      return value;
    });
  const spec = {
    name: String(data.get('name') ?? ''),
    description: String(data.get('description') ?? '').trim() || undefined,
    benchmark: benchmarkName,
    sources: data.getAll('sources').map(String),
    targets: targets.length === domains.length ? undefined : targets,
    seeds,
    priority: data.get('priority') || undefined,
    base,
    search: { kind: 'grid', parameters: parseGrid(String(data.get('grid') ?? '')) },
  };
  return { spec, problems };
}

type Plan = { kind: 'idle' } | { kind: 'planned'; plan: SweepPlanDto } | { kind: 'invalid'; message: string };

/** What the spec would create, from the API's own expansion (POST /sweeps/plan stores nothing). */
async function planSpec(spec: Record<string, unknown>, signal: AbortSignal): Promise<Plan> {
  const response = await fetch('/api/proxy/sweeps/plan', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(spec),
    signal,
  });
  if (response.ok) return { kind: 'planned', plan: (await response.json()) as SweepPlanDto };
  return { kind: 'invalid', message: await readProxyError(response) };
}

const EXAMPLE_SPEC = `name: cafe lambda sweep
benchmark: fer5
sources: [rafdb]
seeds: [0, 1, 2]
base:
  method: cafe
  head: fc
  epochs: 10
search:
  kind: grid
  parameters:
    lambdaDiverse: [0, 1, 5]
    head: [fc, group-max]
`;

async function submitSpec(body: string, contentType: string): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch('/api/sweeps', { method: 'POST', headers: { 'Content-Type': contentType }, body });
  } catch (cause) {
    return {
      kind: 'error',
      message: `The web server could not be reached (${(cause as Error).message}).`,
      problems: [],
    };
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // handled below
  }
  if (response.ok && parsed) return { kind: 'created', created: parsed as SweepCreatedDto };
  const error = (parsed as Partial<ApiErrorBody> | null)?.error;
  return {
    kind: 'error',
    message: error?.message ?? `The API answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}.`,
    problems: error?.problems ?? [],
  };
}

export function SweepForm({ options }: { options: SweepFormOptions }) {
  const [mode, setMode] = useState<'form' | 'paste'>('form');
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const [benchmarkName, setBenchmarkName] = useState(
    options.benchmarks.find((b) => b.name === 'fer5')?.name ?? options.benchmarks[0]?.name ?? 'fer5',
  );
  const benchmark = options.benchmarks.find((b) => b.name === benchmarkName);
  const domains = benchmark?.domains ?? [];
  const [specText, setSpecText] = useState(EXAMPLE_SPEC);

  const problems = outcome.kind === 'error' ? outcome.problems : [];
  const problemsByField = new Map<string, FieldProblem[]>();
  for (const problem of problems) {
    const field = fieldFor(problem);
    if (field) problemsByField.set(field, [...(problemsByField.get(field) ?? []), problem]);
  }

  function finish(result: Outcome) {
    setOutcome(result);
    if (result.kind === 'created') hardNavigate(`/sweeps/${encodeURIComponent(result.created.sweep.id)}`);
  }

  async function onFormSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const { spec, problems: typed } = specFromForm(event.currentTarget, benchmarkName, domains);
    if (typed.length > 0) {
      setOutcome({ kind: 'error', message: 'Some fields are not numbers; nothing was sent.', problems: typed });
      return;
    }
    setOutcome({ kind: 'busy' });
    finish(await submitSpec(JSON.stringify(spec), 'application/json'));
  }

  // The run count, live: every edit re-plans the spec (debounced) through the API's own expansion.
  const formRef = useRef<HTMLFormElement>(null);
  const [plan, setPlan] = useState<Plan>({ kind: 'idle' });
  const [edits, setEdits] = useState(0);
  useEffect(() => {
    const form = formRef.current;
    if (!form || mode !== 'form') return;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      const { spec, problems: typed } = specFromForm(form, benchmarkName, domains);
      if (typed.length > 0)
        return setPlan({ kind: 'invalid', message: typed.map((p) => `${p.field}: ${p.message}`).join('; ') });
      if (!spec.name) spec.name = 'plan';
      try {
        setPlan(await planSpec(spec, controller.signal));
      } catch (cause) {
        if ((cause as Error).name !== 'AbortError') setPlan({ kind: 'invalid', message: (cause as Error).message });
      }
    }, 400);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // `domains` follows benchmarkName; the form's fields are read from the DOM on each edit.
  }, [edits, benchmarkName, mode]);

  async function onPasteSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setOutcome({ kind: 'busy' });
    finish(await submitSpec(specText, 'application/yaml'));
  }

  function fieldProps(field: string) {
    const id = FORM_FIELDS[field];
    const fieldProblems = problemsByField.get(field);
    return {
      id,
      'aria-invalid': fieldProblems ? true : undefined,
      'aria-describedby': fieldProblems ? `${id}-error` : undefined,
      'data-testid': id,
    };
  }

  function fieldError(field: string) {
    const fieldProblems = problemsByField.get(field);
    if (!fieldProblems) return null;
    return (
      <span id={`${FORM_FIELDS[field]}-error`} className="field-error" data-testid={`${FORM_FIELDS[field]}-error`}>
        {fieldProblems
          .map((problem) => `${problem.field !== field ? `${problem.field}: ` : ''}${problem.message}`)
          .join('; ')}
      </span>
    );
  }

  const d = options.defaults;
  return (
    <div>
      <div className="segmented" role="tablist" aria-label="How to describe the sweep" style={{ marginBottom: 16 }}>
        {(['form', 'paste'] as const).map((tab) => (
          <label key={tab}>
            <input
              type="radio"
              name="sweep-mode"
              checked={mode === tab}
              onChange={() => {
                setMode(tab);
                setOutcome({ kind: 'idle' });
              }}
              data-testid={`sweep-mode-${tab}`}
            />
            {tab === 'form' ? 'Form' : 'Paste a spec (JSON or YAML)'}
          </label>
        ))}
      </div>

      {outcome.kind === 'error' && (
        <div className="notice notice-error" role="alert" data-testid="sweep-problems">
          <p className="notice-title">The sweep was not created.</p>
          <p>{outcome.message}</p>
          {outcome.problems.length > 0 && (
            <ul className="problems">
              {outcome.problems.map((problem, index) => (
                <li key={index}>
                  <code>{problem.field || 'document'}</code>: {problem.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {outcome.kind === 'created' && (
        <div className="notice notice-info" role="status" data-testid="sweep-created">
          Created sweep {outcome.created.sweep.name}: {outcome.created.runsCreated} new run
          {outcome.created.runsCreated === 1 ? '' : 's'}, {outcome.created.runsExisting} already existed. Opening it…
        </div>
      )}

      {mode === 'form' ? (
        <form
          ref={formRef}
          onSubmit={onFormSubmit}
          onChange={() => setEdits((n) => n + 1)}
          data-testid="sweep-form"
          noValidate
        >
          <div className="form-grid">
            <div className="field">
              <label htmlFor="sweep-name">Name</label>
              <input type="text" name="name" required {...fieldProps('name')} />
              {fieldError('name')}
            </div>
            <div className="field">
              <label htmlFor="sweep-benchmark">Benchmark</label>
              <select
                name="benchmark"
                value={benchmarkName}
                onChange={(e) => setBenchmarkName(e.target.value)}
                {...fieldProps('benchmark')}
              >
                {options.benchmarks.map((b) => (
                  <option key={b.name} value={b.name}>
                    {b.name}
                  </option>
                ))}
              </select>
              {fieldError('benchmark')}
            </div>
            <div className="field">
              <label htmlFor="sweep-seeds">Seeds (comma-separated)</label>
              <input type="text" name="seeds" defaultValue="0, 1, 2" {...fieldProps('seeds')} />
              {fieldError('seeds')}
            </div>
            <div className="field">
              <label htmlFor="sweep-priority">Priority</label>
              <select name="priority" defaultValue="background" {...fieldProps('priority')}>
                <option value="interactive">interactive</option>
                <option value="background">background</option>
              </select>
              {fieldError('priority')}
            </div>
          </div>
          <div className="field" style={{ marginTop: 14 }}>
            <label htmlFor="sweep-description">Description (optional)</label>
            <textarea name="description" rows={2} {...fieldProps('description')} />
            {fieldError('description')}
          </div>
          <fieldset
            className="field"
            style={{ marginTop: 14 }}
            aria-describedby={problemsByField.has('sources') ? 'sweep-sources-error' : undefined}
          >
            <legend>Source domains (one run per source, seed and config)</legend>
            <div className="check-group" data-testid="sweep-sources">
              {domains.map((domain) => (
                <label key={domain} className="inline-check">
                  <input type="checkbox" name="sources" value={domain} data-testid={`sweep-source-${domain}`} />
                  {domainLabel(domain)}
                </label>
              ))}
            </div>
            {fieldError('sources')}
          </fieldset>
          <fieldset className="field" style={{ marginTop: 14 }}>
            <legend>Target domains (evaluated after training)</legend>
            <div className="check-group" data-testid="sweep-targets" key={benchmarkName}>
              {domains.map((domain) => (
                <label key={domain} className="inline-check">
                  <input
                    type="checkbox"
                    name="targets"
                    value={domain}
                    defaultChecked
                    data-testid={`sweep-target-${domain}`}
                  />
                  {domainLabel(domain)}
                </label>
              ))}
            </div>
            {fieldError('targets')}
          </fieldset>
          <h3>Base config</h3>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="sweep-method">Method</label>
              <select name="method" defaultValue={String(d.method)} {...fieldProps('base.method')}>
                {options.methods.map((value) => (
                  <option key={value}>{value}</option>
                ))}
              </select>
              {fieldError('base.method')}
            </div>
            <div className="field">
              <label htmlFor="sweep-head">Head</label>
              <select name="head" defaultValue={String(d.head)} {...fieldProps('base.head')}>
                {options.heads.map((value) => (
                  <option key={value}>{value}</option>
                ))}
              </select>
              {fieldError('base.head')}
            </div>
            <div className="field">
              <label htmlFor="sweep-mask-net">Mask net</label>
              <select name="maskNet" defaultValue={String(d.maskNet)} {...fieldProps('base.maskNet')}>
                {options.maskNets.map((value) => (
                  <option key={value}>{value}</option>
                ))}
              </select>
              {fieldError('base.maskNet')}
            </div>
            {(
              [
                ['base.epochs', 'epochs', 'Epochs', d.epochs],
                ['base.batchSize', 'batchSize', 'Batch size', d.batchSize],
                ['base.maxTrainSamples', 'maxTrainSamples', 'Max train samples (0 = all)', d.maxTrainSamples],
                ['base.optimizer.lr', 'lr', 'Learning rate', d.optimizer.lr],
                ['base.lambdaDiverse', 'lambdaDiverse', 'λ diverse', d.lambdaDiverse],
                ['base.lambdaSeparation', 'lambdaSeparation', 'λ separation', d.lambdaSeparation],
              ] as const
            ).map(([field, name, label, placeholder]) => (
              <div className="field" key={field}>
                <label htmlFor={FORM_FIELDS[field]}>{label}</label>
                <input
                  type="text"
                  inputMode="decimal"
                  name={name}
                  placeholder={`default ${String(placeholder)}`}
                  {...fieldProps(field)}
                />
                {fieldError(field)}
              </div>
            ))}
          </div>
          <div className="field" style={{ marginTop: 14 }}>
            <label htmlFor="sweep-grid">Grid search: one parameter per line, “path = value, value”</label>
            <textarea
              name="grid"
              rows={4}
              placeholder={'lambdaDiverse = 0, 1, 5\noptimizer.lr = 0.0002, 0.001'}
              {...fieldProps('search')}
            />
            {fieldError('search')}
          </div>
          <p style={{ marginTop: 16 }}>
            <button
              type="submit"
              className="button button-primary"
              disabled={outcome.kind === 'busy'}
              data-testid="sweep-submit"
            >
              {outcome.kind === 'busy' ? 'Creating…' : 'Create sweep'}
            </button>{' '}
            <span
              className="muted small"
              role="status"
              data-testid="sweep-plan"
              data-runs={plan.kind === 'planned' ? plan.plan.runs : ''}
            >
              {plan.kind === 'planned'
                ? `Creates ${plan.plan.runs} run${plan.plan.runs === 1 ? '' : 's'}: ${plan.plan.configs.length} config${plan.plan.configs.length === 1 ? '' : 's'} × ${plan.plan.sources.length} source${plan.plan.sources.length === 1 ? '' : 's'} × ${plan.plan.seeds.length} seed${plan.plan.seeds.length === 1 ? '' : 's'}.`
                : plan.kind === 'invalid'
                  ? `Not valid yet: ${plan.message}`
                  : ''}
            </span>
          </p>
        </form>
      ) : (
        <form onSubmit={onPasteSubmit} data-testid="sweep-paste-form">
          <div className="field">
            <label htmlFor="sweep-spec-text">Sweep spec (JSON or YAML), validated by the API</label>
            <textarea
              id="sweep-spec-text"
              rows={20}
              value={specText}
              onChange={(event) => setSpecText(event.target.value)}
              spellCheck={false}
              data-testid="sweep-spec-text"
            />
          </div>
          <p style={{ marginTop: 16 }}>
            <button
              type="submit"
              className="button button-primary"
              disabled={outcome.kind === 'busy'}
              data-testid="sweep-spec-submit"
            >
              {outcome.kind === 'busy' ? 'Creating…' : 'Create sweep'}
            </button>
          </p>
        </form>
      )}
    </div>
  );
}
