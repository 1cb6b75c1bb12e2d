'use client';

import type { SweepGrownDto } from '@fer/contracts';
import { useState } from 'react';
import { domainLabel } from '@/lib/format';
import { hardNavigate } from '@/lib/hard-navigate';
import { readProxyError } from '@/lib/proxy-error';

type GridValue = string | number | boolean;

/** What the form may grow: the sweep's search kind decides between grid values and a larger budget. */
export interface GrowableSweep {
  id: string;
  searchKind: string;
  /** A grid's parameters and their current values (empty for random and tpe). */
  gridParameters: Record<string, GridValue[]>;
  /** A random or tpe search's current budget (null for a grid). */
  budget: number | null;
  seeds: number[];
  sources: string[];
  /** The benchmark's domains: the sources that may be added. */
  domains: string[];
  maxConcurrentRuns: number | null;
  maxGpuHours: number | null;
}

export interface GrowthBody {
  seeds?: number[];
  sources?: string[];
  values?: Record<string, GridValue[]>;
  budget?: number;
  maxConcurrentRuns?: number;
  maxGpuHours?: number;
}

function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** New grid values typed as the parameter's current values are (all numbers: numbers; all booleans: booleans). */
export function parseGridValues(
  text: string,
  current: GridValue[],
  field: string,
): { values: GridValue[]; problems: string[] } {
  const parts = list(text);
  const problems: string[] = [];
  const kinds = new Set(current.map((value) => typeof value));
  const values = parts.map((part): GridValue => {
    if (kinds.size === 1 && kinds.has('number')) {
      const number = Number(part);
      if (!Number.isFinite(number)) problems.push(`${field}: "${part}" is not a number`);
      return number;
    }
    if (kinds.size === 1 && kinds.has('boolean')) {
      if (part !== 'true' && part !== 'false') problems.push(`${field}: "${part}" is not true or false`);
      return part === 'true';
    }
    return part;
  });
  return { values, problems };
}

/**
 * Grows a sweep through `PATCH /sweeps/:id` (web proxy): more seeds, sources, values of an existing grid parameter, a
 * larger random/tpe budget, or new concurrency and GPU-hour budgets. The API creates only the runs that are new.
 */
export function GrowSweepForm({ sweep }: { sweep: GrowableSweep }) {
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const parameters = Object.keys(sweep.gridParameters);
  const [parameter, setParameter] = useState(parameters[0] ?? '');
  const newSources = sweep.domains.filter((domain) => !sweep.sources.includes(domain));

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const found: string[] = [];
    const body: GrowthBody = {};
    const seedsText = String(form.get('seeds') ?? '');
    if (seedsText.trim()) {
      const seeds = list(seedsText).map(Number);
      list(seedsText).forEach((part, i) => {
        if (!Number.isInteger(seeds[i]) || seeds[i] < 0) found.push(`seeds: "${part}" is not a non-negative integer`);
      });
      body.seeds = seeds;
    }
    const sources = form.getAll('sources').map(String);
    if (sources.length) body.sources = sources;
    const valuesText = String(form.get('values') ?? '');
    if (parameter && valuesText.trim()) {
      const parsed = parseGridValues(valuesText, sweep.gridParameters[parameter] ?? [], `values.${parameter}`);
      found.push(...parsed.problems);
      body.values = { [parameter]: parsed.values };
    }
    // Blank leaves the field as it is; anything else must be a positive number (an integer where counted).
    const number = (name: string, integer: boolean): number | undefined => {
      const text = String(form.get(name) ?? '').trim();
      if (!text) return undefined;
      const value = Number(text);
      if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value <= 0) {
        found.push(`${name}: "${text}" is not a positive ${integer ? 'integer' : 'number'}`);
      }
      return value;
    };
    body.budget = number('budget', true);
    body.maxConcurrentRuns = number('maxConcurrentRuns', true);
    body.maxGpuHours = number('maxGpuHours', false);
    for (const key of ['budget', 'maxConcurrentRuns', 'maxGpuHours'] as const)
      if (body[key] === undefined) delete body[key];
    if (found.length === 0 && Object.keys(body).length === 0)
      found.push('nothing to change: add seeds, sources, values or a budget');
    setProblems(found);
    if (found.length) return;
    setBusy(true);
    try {
      const response = await fetch(`/api/proxy/sweeps/${encodeURIComponent(sweep.id)}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        setProblems([await readProxyError(response)]);
        return;
      }
      const grown = (await response.json()) as SweepGrownDto;
      const next = new URL(window.location.href);
      next.searchParams.set('grown', String(grown.runsCreated));
      hardNavigate(`${next.pathname}${next.search}`);
    } catch (cause) {
      setProblems([`The web server could not be reached (${(cause as Error).message}).`]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form-grid" onSubmit={onSubmit} data-testid="sweep-grow-form" aria-busy={busy} noValidate>
      <div className="field">
        <label htmlFor="grow-seeds">Add seeds</label>
        <input id="grow-seeds" name="seeds" placeholder="e.g. 3, 4" data-testid="sweep-grow-seeds" />
        <span className="muted small">now {sweep.seeds.join(', ')}</span>
      </div>
      {newSources.length > 0 && (
        <fieldset className="field">
          <legend>Add sources</legend>
          {newSources.map((domain) => (
            <label key={domain} className="inline-check">
              <input type="checkbox" name="sources" value={domain} data-testid={`sweep-grow-source-${domain}`} />
              {domainLabel(domain)}
            </label>
          ))}
        </fieldset>
      )}
      {sweep.searchKind === 'grid' && parameters.length > 0 && (
        <div className="field">
          <label htmlFor="grow-values">Add values to</label>
          <div className="row">
            <select
              id="grow-parameter"
              aria-label="Grid parameter"
              value={parameter}
              onChange={(event) => setParameter(event.target.value)}
              data-testid="sweep-grow-parameter"
            >
              {parameters.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <input id="grow-values" name="values" placeholder="e.g. 0.5, 2" data-testid="sweep-grow-values" />
          </div>
          <span className="muted small">
            now {(sweep.gridParameters[parameter] ?? []).map((value) => String(value)).join(', ')}
          </span>
        </div>
      )}
      {sweep.budget !== null && (
        <div className="field">
          <label htmlFor="grow-budget">New budget (trials)</label>
          <input
            id="grow-budget"
            name="budget"
            type="number"
            min={sweep.budget}
            step={1}
            placeholder={String(sweep.budget)}
            data-testid="sweep-grow-budget"
          />
          <span className="muted small">now {sweep.budget}; it can only grow</span>
        </div>
      )}
      <div className="field">
        <label htmlFor="grow-concurrent">Max concurrent runs</label>
        <input
          id="grow-concurrent"
          name="maxConcurrentRuns"
          type="number"
          min={1}
          step={1}
          placeholder={sweep.maxConcurrentRuns === null ? 'no limit' : String(sweep.maxConcurrentRuns)}
          data-testid="sweep-grow-max-concurrent"
        />
      </div>
      <div className="field">
        <label htmlFor="grow-gpu-hours">Max GPU hours</label>
        <input
          id="grow-gpu-hours"
          name="maxGpuHours"
          type="number"
          min={0}
          step="any"
          placeholder={sweep.maxGpuHours === null ? 'no limit' : String(sweep.maxGpuHours)}
          data-testid="sweep-grow-max-gpu-hours"
        />
      </div>
      <div className="row">
        <button type="submit" className="button" disabled={busy} data-testid="sweep-grow-submit">
          {busy ? 'Growing…' : 'Grow sweep'}
        </button>
        {problems.length > 0 && (
          <span role="alert" className="inline-error" data-testid="sweep-grow-problems">
            {problems.join('; ')}
          </span>
        )}
      </div>
    </form>
  );
}
