import {
  DEFAULT_MODEL_SELECTION,
  domainDisplayName,
  Leaderboard,
  MODEL_SELECTIONS,
  type ModelSelection,
  Page,
  RUN_STATUSES,
  RunDetailDto,
  RunSummaryDto,
  SweepCreatedDto,
  SweepDetailDto,
  SweepSummaryDto,
} from '@fer/contracts';
import { SingleBar, MultiBar, Presets } from 'cli-progress';
import { Command, Option } from 'commander';
import { apiRequest, resolveConnection } from '../api-client';
import { readSpecFile } from '../spec-file';
import { formatTable } from '../table';
import { registerQueueProbeCommand } from './queue-probe.command';
import { formatBudget, registerSweepGrowCommand } from './sweep-growth.command';
import { formatSweepList, registerSweepPlanningCommands } from './sweep-planning.command';

function connection(command: Command) {
  return resolveConnection(command.optsWithGlobals());
}

function print(value: unknown): void {
  process.stdout.write(typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n');
}

export function formatLeaderboard(board: Leaderboard): string {
  const columns = [...board.domains, 'mean', 'targetMean'];
  const titles = [...board.domains.map((d) => domainDisplayName(d) + (d === board.source ? '*' : '')), 'Mean', 'Target'];
  const cell = (row: Leaderboard['rows'][number], column: string) => {
    const c = column === 'mean' ? row.mean : column === 'targetMean' ? row.targetMean : row.cells[column];
    if (!c || c.mean === null) return '-';
    const text = c.std === null ? c.mean.toFixed(2) : `${c.mean.toFixed(2)}±${c.std.toFixed(2)}`;
    return board.best[column] === row.groupKey ? `${text} ◆` : text;
  };
  const rows = board.rows.map((row) => [row.label, ...columns.map((c) => cell(row, c))]);
  const header = ['Method', ...titles];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `Leaderboard ${board.benchmark}, trained on ${domainDisplayName(board.source)} (* = in-domain), selection: ${selectionLabel(board.selection)}; accuracy %, mean±std over seeds, ◆ = best`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    rows.length === 0 ? '(no evaluated runs yet)' : '',
    `datasets: ${board.provenance.datasets.map((d) => `${d.domain} = ${d.name} v${d.version} (${d.splits.join('+')})`).join('; ') || 'none'}`,
    `seeds: ${board.provenance.seeds.join(', ') || 'none'} · ${board.provenance.evaluations} evaluations${frozenEngines(board)} · runs counted: ${(board.provenance.statuses ?? ['succeeded']).join(', ')} · provenance ${board.provenance.hash}`,
    ...formatStaleWarning(board),
  ].join('\n') + '\n';
}

/**
 * One warning line per dataset version behind the board that has a newer ready version (`provenance.stale`), and the
 * command that refreshes the runs; nothing when the board is up to date.
 */
export function formatStaleWarning(board: Leaderboard): string[] {
  const stale = board.provenance.stale ?? [];
  if (stale.length === 0) return [];
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const d of stale) {
    const key = `${d.role}:${d.name}:${d.usedVersion}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(
      `WARNING: stale: ${d.name} v${d.usedVersion} used, v${d.newestVersion} is the newest (${d.role === 'target' ? `target column ${domainDisplayName(d.domain)}` : 'source: every column'})`,
    );
  }
  lines.push(`refresh with: fer benchmarks refresh ${board.benchmark}`);
  return lines;
}

/**
 * `--verify HASH`: recomputes the board and compares its provenance hash. The same hash means the same evaluations
 * (and so the same numbers) stand behind the table; anything else (a run re-evaluated, a new seed, a new dataset
 * version, another selection) changes it.
 */
export function verifyLeaderboard(board: Leaderboard, expected: string): { ok: boolean; message: string } {
  if (board.provenance.hash === expected) {
    return { ok: true, message: `verified: ${expected} (${board.provenance.evaluations} evaluations, seeds ${board.provenance.seeds.join(', ')})` };
  }
  return {
    ok: false,
    message: `NOT verified: the ${board.benchmark} / ${board.source} / ${board.selection} leaderboard today has provenance ${board.provenance.hash}, not ${expected}; its evaluations changed since (${board.provenance.evaluations} evaluations now)`,
  };
}

/** How a selection is named wherever numbers are printed: the oracle is always called out as one. */
export function selectionLabel(selection: ModelSelection): string {
  return selection === 'last' ? 'last epoch' : selection === 'source-val' ? 'training-domain validation' : 'TEST-DOMAIN ORACLE';
}

/** `--selection`, shared by every command that prints accuracies (the API's default when absent). */
function selectionOption(): Option {
  return new Option('--selection <mode>', 'model selection: last epoch, training-domain validation (source-val), or the test-domain oracle')
    .choices(MODEL_SELECTIONS)
    .default(DEFAULT_MODEL_SELECTION);
}

export function formatSweep(detail: SweepDetailDto): string {
  const { sweep } = detail;
  const counts = Object.entries(sweep.runCounts).filter(([, n]) => n > 0).map(([status, n]) => `${n} ${status}`).join(', ');
  const lines = [`sweep ${sweep.id} "${sweep.name}" (${sweep.benchmark}): ${sweep.status}, ${Math.round(sweep.progress * 100)}% — ${counts || 'no runs'}`];
  if (sweep.budget) lines.push(formatBudget(sweep.budget));
  const rungs = detail.rungs ?? [];
  const pruned = sweep.runCounts.pruned ?? 0;
  if (rungs.length || pruned) {
    const rule = detail.spec?.earlyStopping;
    const epochs = [...new Set(rungs.map((r) => r.rung))].sort((a, b) => a - b);
    lines.push(
      `early stopping${rule ? ` (${rule.kind} on ${rule.metric}, min ${rule.minEpochs} epochs, factor ${rule.reductionFactor})` : ''}: ${pruned} run${pruned === 1 ? '' : 's'} pruned, ${rungs.length} rung decision${rungs.length === 1 ? '' : 's'}${epochs.length ? ` at epochs ${epochs.join(', ')}` : ''}`,
    );
  }
  const trials = detail.trials ?? [];
  if (trials.length) {
    const objective = detail.spec?.objective;
    const goal = objective?.goal ?? 'maximize';
    const finished = trials.filter((t) => t.finished && t.value !== null);
    const best = finished.reduce<(typeof trials)[number] | null>((b, t) => (b === null || (goal === 'maximize' ? t.value! > b.value! : t.value! < b.value!) ? t : b), null);
    lines.push(
      '',
      `search trials (tpe): ${trials.length} proposed, ${trials.filter((t) => t.finished).length} finished${objective ? `; objective ${objective.metric} (selection ${objective.selection}, ${goal})` : ''}${best ? `; best ${best.value!.toFixed(2)} (trial ${best.index})` : ''}`,
    );
    const parameters = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
    lines.push(
      formatTable(
        ['trial', 'proposed by', ...parameters, 'value', 'finished', 'runs'],
        trials.map((t) => [
          String(t.index),
          t.source === 'tpe' ? `tpe (${t.observed} seen)` : 'startup',
          ...parameters.map((p) => (t.params[p] === undefined ? '-' : typeof t.params[p] === 'number' ? String(Number((t.params[p] as number).toPrecision(4))) : String(t.params[p]))),
          t.value === null ? '-' : t.value.toFixed(2),
          t.finished ? 'yes' : 'open',
          String(t.runIds.length),
        ]),
        ['right', 'left', ...parameters.map(() => 'right' as const), 'right', 'left', 'right'],
      ).trimEnd(),
    );
  }
  if (detail.ablation.length) {
    const domains = Object.keys(detail.ablation[0].perDomain);
    const unfinished = detail.ablationBasis.excludedUnfinished;
    lines.push('', `ablation per source (accuracy %, selection: ${selectionLabel(detail.ablationBasis.selection)}, succeeded runs${unfinished ? `; ${unfinished} unfinished left out` : ''}, mean over everything else; target = mean over the targets)`);
    const header = ['parameter = value', 'source', ...domains.map(domainDisplayName), 'mean', 'target', 'runs'];
    const fixed = (value: number | null | undefined) => (value === null || value === undefined ? '-' : value.toFixed(2));
    const rows = detail.ablation.map((row) => [
      `${row.parameter} = ${row.value}`,
      domainDisplayName(row.source),
      ...domains.map((d) => fixed(row.perDomain[d])),
      fixed(row.mean),
      fixed(row.targetMean),
      String(row.runs),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    lines.push(line(header), ...rows.map(line));
  }
  return lines.join('\n') + '\n';
}

/** What else a run row should say: the search trial it belongs to, why it is held, the run it retrains. */
export function runNote(run: RunSummaryDto): string {
  return [
    run.trial !== null && run.trial !== undefined ? `trial ${run.trial}` : '',
    run.status === 'queued' && run.heldReason ? `held: ${run.heldReason}` : '',
    run.replacesRunId ? `retrains ${run.replacesRunId}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** Live progress bars, one per run, until every run of the sweep is terminal. */
async function watchSweep(command: Command, id: string, intervalMs = 1000): Promise<SweepSummaryDto> {
  const conn = connection(command);
  const bars = new MultiBar({ format: '{label} [{bar}] {percentage}% {status}', hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  const runBars = new Map<string, SingleBar>();
  try {
    for (;;) {
      const detail = await apiRequest<SweepDetailDto>(conn, 'GET', `/sweeps/${id}`);
      for (const run of detail.runs) {
        const label = `${run.method} ${run.sourceDomain} seed ${run.seed} ${run.id.slice(4, 12)}`.padEnd(36);
        const bar = runBars.get(run.id) ?? bars.create(100, 0, { label, status: run.status });
        runBars.set(run.id, bar);
        bar.update(Math.round(run.progress * 100), { label, status: `${run.status}${run.status === 'running' ? ` epoch ${run.epoch}/${run.epochs}` : ''}` });
      }
      if (['succeeded', 'failed', 'cancelled'].includes(detail.sweep.status)) return detail.sweep;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    bars.stop();
  }
}

export function registerApiCommands(program: Command): void {
  const sweep = program.command('sweep').description('Create, watch and cancel sweeps');
  sweep
    .command('create')
    .description('Create a sweep from a YAML or JSON spec (see README "Sweep specs")')
    .argument('<spec>', 'spec file (.yaml, .yml or .json)')
    .option('--watch', 'follow progress until the sweep finishes')
    .action(async (specPath: string, options: { watch?: boolean }, command: Command) => {
      const created = await apiRequest<SweepCreatedDto>(connection(command), 'POST', '/sweeps', readSpecFile(specPath));
      process.stderr.write(`sweep ${created.sweep.id}: ${created.runsCreated} runs created, ${created.runsExisting} already existed\n`);
      if (options.watch) await watchSweep(command, created.sweep.id);
      print(created);
    });
  sweep
    .command('status')
    .description('Show a sweep; --watch shows live progress bars per run')
    .argument('<id>')
    .option('--watch', 'follow until the sweep finishes')
    .option('--json', 'print the sweep and its ablation table as JSON')
    .addOption(selectionOption())
    .action(async (id: string, options: { watch?: boolean; json?: boolean; selection: ModelSelection }, command: Command) => {
      if (options.watch) await watchSweep(command, id);
      const detail = await apiRequest<SweepDetailDto>(connection(command), 'GET', `/sweeps/${id}?selection=${options.selection}`);
      print(
        options.json
          ? { sweep: detail.sweep, ablation: detail.ablation, ablationBasis: detail.ablationBasis, trials: detail.trials ?? [], rungs: detail.rungs ?? [] }
          : formatSweep(detail),
      );
    });
  sweep
    .command('list')
    .description('List sweeps as a table: status, runs, progress, best target mean (--json for JSON)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const page = await apiRequest<Page<SweepSummaryDto>>(connection(command), 'GET', '/sweeps');
      print(options.json ? page : formatSweepList(page));
    });
  sweep
    .command('cancel')
    .description('Cancel a sweep: queued runs are dropped, running ones stop at their next step')
    .argument('<id>')
    .action(async (id: string, _options: unknown, command: Command) => print(await apiRequest(connection(command), 'POST', `/sweeps/${id}/cancel`)));

  const runs = program.command('runs').description('Inspect, launch, cancel and retry runs');
  runs
    .command('list')
    .description('List runs as a table (--json for JSON)')
    .option('--sweep <id>', 'only this sweep')
    .option('--status <status>', RUN_STATUSES.join('|'))
    .option('--json', 'print JSON')
    .action(async (options: { sweep?: string; status?: string; json?: boolean }, command: Command) => {
      const query = new URLSearchParams({ ...(options.sweep ? { sweepId: options.sweep } : {}), ...(options.status ? { status: options.status } : {}) });
      const page = await apiRequest<Page<RunSummaryDto>>(connection(command), 'GET', `/runs?${query}`);
      if (options.json) return print(page);
      print(
        page.items.length === 0
          ? 'no runs\n'
          : formatTable(
              ['run', 'status', 'progress', 'method', 'source', 'seed', 'note'],
              page.items.map((r) => [r.id, r.status, `${Math.round(r.progress * 100)}%`, r.method, r.sourceDomain, String(r.seed), runNote(r)]),
              ['left', 'left', 'right', 'left', 'left', 'right', 'left'],
            ),
      );
    });
  runs
    .command('show')
    .description('Show a run (JSON): config, metrics, every scored epoch, and what the selection picks (`selected`)')
    .argument('<id>')
    .addOption(selectionOption())
    .action(async (id: string, options: { selection: ModelSelection }, command: Command) =>
      print(await apiRequest<RunDetailDto>(connection(command), 'GET', `/runs/${id}?selection=${options.selection}`)),
    );
  runs
    .command('create')
    .description('Launch one run (interactive priority) from a JSON/YAML body: {config, source, seed, targets?}')
    .argument('<file>')
    .option('--idempotency-key <key>', 'replays the first response when retried')
    .action(async (file: string, options: { idempotencyKey?: string }, command: Command) =>
      print(await apiRequest(connection(command), 'POST', '/runs', readSpecFile(file), options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {})),
    );
  for (const action of ['cancel', 'retry'] as const) {
    runs
      .command(action)
      .description(action === 'cancel' ? 'Cancel a run' : 'Retry a failed or cancelled run from its last checkpoint')
      .argument('<id>')
      .action(async (id: string, _o: unknown, command: Command) => print(await apiRequest(connection(command), 'POST', `/runs/${id}/${action}`)));
  }

  registerSweepPlanningCommands(sweep, runs);
  registerSweepGrowCommand(sweep);

  program
    .command('leaderboard')
    .description('Print the cross-domain leaderboard for one source domain (like the paper\'s Table 1)')
    .requiredOption('--source <domain>', 'source (training) domain, e.g. rafdb')
    .option('--benchmark <name>', 'benchmark', 'fer5')
    .addOption(selectionOption())
    .option('--format <format>', 'table | json | csv | markdown | latex', 'table')
    .option('--verify <hash>', 'recompute the leaderboard and compare its provenance hash (printed under every table and export): exit 0 when it matches, 1 when not')
    .option('--include-pruned', 'also count runs an early-stopping rule pruned (at the epoch they stopped)')
    .action(async (options: { source: string; benchmark: string; selection: string; format: string; verify?: string; includePruned?: boolean }, command: Command) => {
      const query = new URLSearchParams({ benchmark: options.benchmark, source: options.source, selection: options.selection });
      if (options.includePruned) query.set('includePruned', 'true');
      if (options.verify) {
        const board = await apiRequest<Leaderboard>(connection(command), 'GET', `/leaderboards?${query}`);
        const result = verifyLeaderboard(board, options.verify);
        (result.ok ? process.stdout : process.stderr).write(result.message + '\n');
        const stale = formatStaleWarning(board);
        if (stale.length) process.stderr.write(stale.join('\n') + '\n');
        process.exitCode = result.ok ? 0 : 1;
        return;
      }
      if (options.format === 'table') {
        print(formatLeaderboard(await apiRequest<Leaderboard>(connection(command), 'GET', `/leaderboards?${query}`)));
      } else {
        query.set('format', options.format);
        print(await apiRequest(connection(command), 'GET', `/leaderboards?${query}`));
      }
    });

  const keys = program.command('keys').description('Manage API keys (admin)');
  keys
    .command('create')
    .description('Create an API key; it is shown once')
    .requiredOption('--role <role>', 'read | launch | admin')
    .option('--name <name>', 'a label for the key', 'cli')
    .action(async (options: { role: string; name: string }, command: Command) =>
      print(await apiRequest(connection(command), 'POST', '/keys', { name: options.name, role: options.role })),
    );
  keys.command('list').description('List keys (hashes are never shown)').action(async (_o: unknown, command: Command) => print(await apiRequest(connection(command), 'GET', '/keys')));
  keys
    .command('revoke')
    .description('Revoke a key')
    .argument('<id>')
    .action(async (id: string, _o: unknown, command: Command) => print(await apiRequest(connection(command), 'DELETE', `/keys/${id}`)));

  program
    .command('health')
    .description('Check the API, PostgreSQL and Redis')
    .action(async (_o: unknown, command: Command) => print(await apiRequest(connection(command), 'GET', '/health')));
  const queue = program
    .command('queue')
    .description('Queue depths and workers; `fer queue probe` checks that workers answer')
    .action(async (_o: unknown, command: Command) => print(await apiRequest(connection(command), 'GET', '/queues')));
  registerQueueProbeCommand(queue);
}

/** Which engines computed the frozen features behind the board, when any did. */
function frozenEngines(board: Leaderboard): string {
  const engines = board.provenance.frozenEngines ?? [];
  return engines.length ? ` · frozen features: ${engines.join(', ')}` : '';
}
