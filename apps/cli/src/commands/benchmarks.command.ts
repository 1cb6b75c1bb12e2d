import { domainDisplayName, type BenchmarkDto } from '@fer/contracts';
import type { Command } from 'commander';
import { apiRequest, resolveConnection } from '../api-client';
import { registerBenchmarkRefreshCommand } from './sweep-growth.command';

const connection = (command: Command) => resolveConnection(command.optsWithGlobals());
function print(value: unknown): void {
  process.stdout.write(typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n');
}

/** Benchmarks as a table: name, domains in column order (with ✓ where a ready dataset stands behind the domain). */
export function formatBenchmarks(benchmarks: BenchmarkDto[]): string {
  if (benchmarks.length === 0) return 'no benchmarks\n';
  const rows = benchmarks.map((b) => [
    b.name + (b.builtIn ? ' (built in)' : '') + (b.archivedAt ? ' (archived)' : ''),
    String(b.numClasses),
    b.domains.map((d) => `${domainDisplayName(d)}${b.datasets[d] ? ' ✓' : ' –'}`).join(', '),
    String(b.sweeps),
  ]);
  const header = ['benchmark', 'classes', 'domains (✓ = a ready dataset)', 'sweeps'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function registerBenchmarkCommands(program: Command): void {
  const benchmarks = program.command('benchmarks').description('List, create and refresh benchmarks (ordered sets of domains: the leaderboard columns)');
  benchmarks
    .command('list')
    .description('List benchmarks as a table (--json for JSON)')
    .option('--json', 'print JSON')
    .option('--archived', 'include archived benchmarks')
    .action(async (options: { json?: boolean; archived?: boolean }, command: Command) => {
      const list = await apiRequest<BenchmarkDto[]>(connection(command), 'GET', `/benchmarks${options.archived ? '?archived=true' : ''}`);
      print(options.json ? list : formatBenchmarks(list));
    });
  benchmarks
    .command('create')
    .description('Create a benchmark of your own domains; import datasets with --domain set to one of them')
    .requiredOption('--name <name>', 'lower-case letters, digits and dashes, e.g. lab5')
    .requiredOption('--domains <a,b,c>', 'the domains, in column order, comma-separated')
    .option('--num-classes <n>', '7 or 8', '7')
    .option('--description <text>', 'what the benchmark is', '')
    .action(async (options: { name: string; domains: string; numClasses: string; description: string }, command: Command) => {
      const body = {
        name: options.name,
        description: options.description,
        domains: options.domains.split(',').map((d) => d.trim()).filter(Boolean),
        numClasses: Number(options.numClasses),
      };
      print(formatBenchmarks([await apiRequest<BenchmarkDto>(connection(command), 'POST', '/benchmarks', body)]));
    });
  benchmarks
    .command('archive')
    .description('Archive a benchmark: hidden from pickers, closed to new runs; its leaderboards stay')
    .argument('<name>')
    .action(async (name: string, _o: unknown, command: Command) => print(formatBenchmarks([await apiRequest<BenchmarkDto>(connection(command), 'POST', `/benchmarks/${encodeURIComponent(name)}/archive`)])));
  benchmarks
    .command('delete')
    .description('Delete a benchmark no sweep used (one in use can only be archived)')
    .argument('<name>')
    .action(async (name: string, _o: unknown, command: Command) => print(await apiRequest(connection(command), 'DELETE', `/benchmarks/${encodeURIComponent(name)}`)));
  registerBenchmarkRefreshCommand(benchmarks);
}
