import { domainDisplayName, Leaderboard, LeaderboardCell, LeaderboardFormat } from '@fer/contracts';

interface Column {
  key: string;
  title: string;
  cell(row: Leaderboard['rows'][number]): LeaderboardCell;
}

function columns(board: Leaderboard): Column[] {
  return [
    ...board.domains.map((domain) => ({
      key: domain,
      title: domainDisplayName(domain) + (domain === board.source ? ' (source)' : ''),
      cell: (row: Leaderboard['rows'][number]) => row.cells[domain],
    })),
    { key: 'mean', title: 'Mean', cell: (row) => row.mean },
    { key: 'targetMean', title: 'Target mean', cell: (row) => row.targetMean },
  ];
}

function formatCell(cell: LeaderboardCell | undefined, plusMinus: string): string {
  if (!cell || cell.mean === null) return '-';
  return cell.std === null ? cell.mean.toFixed(2) : `${cell.mean.toFixed(2)} ${plusMinus} ${cell.std.toFixed(2)}`;
}

const SELECTION_NOTE: Record<Leaderboard['selection'], string> = {
  last: 'model selection: last epoch',
  'source-val': 'model selection: training-domain validation (best epoch on the held-out source split)',
  oracle: 'model selection: test-domain ORACLE (optimistic upper bound)',
};

/** The provenance footer every export ends with, one line each, and the command that re-checks it. */
export function provenanceLines(board: Leaderboard): string[] {
  const p = board.provenance;
  const datasets = p.datasets.map((d) => `${d.domain}: ${d.name} v${d.version} (${d.splits.join('+')} split)`).join('; ') || 'none';
  return [
    `datasets: ${datasets}`,
    `${SELECTION_NOTE[board.selection]}; seeds: ${p.seeds.join(', ') || 'none'}; ${p.evaluations} evaluations` +
      (p.frozenEngines.length ? `; frozen features computed by ${p.frozenEngines.join(' and ')}` : ''),
    `provenance hash: ${p.hash}`,
    `verify: fer leaderboard --benchmark ${board.benchmark} --source ${board.source} --selection ${board.selection} --verify ${p.hash}`,
  ];
}

export function exportLeaderboard(board: Leaderboard, format: Exclude<LeaderboardFormat, 'json'>): string {
  return renderLeaderboard(board, format) + footer(board, format);
}

function footer(board: Leaderboard, format: Exclude<LeaderboardFormat, 'json'>): string {
  const lines = provenanceLines(board);
  if (format === 'markdown') return `\n${lines.map((line) => `<sub>${line.replace(/\|/g, '\\|')}</sub>  `).join('\n')}\n`;
  return lines.map((line) => `${format === 'latex' ? '%' : '#'} ${line}`).join('\n') + '\n';
}

function renderLeaderboard(board: Leaderboard, format: Exclude<LeaderboardFormat, 'json'>): string {
  const cols = columns(board);
  switch (format) {
    case 'csv': {
      const header = ['method', ...cols.flatMap((c) => [`${c.key}_mean`, `${c.key}_std`, `${c.key}_n`])];
      const lines = board.rows.map((row) =>
        [csvQuote(row.label), ...cols.flatMap((c) => {
          const cell = c.cell(row);
          return [cell?.mean?.toFixed(4) ?? '', cell?.std?.toFixed(4) ?? '', String(cell?.n ?? 0)];
        })].join(','),
      );
      return [header.join(','), ...lines].join('\n') + '\n';
    }
    case 'markdown': {
      const mark = (row: Leaderboard['rows'][number], col: Column) => {
        const text = formatCell(col.cell(row), '±');
        if (board.best[col.key] === row.groupKey) return `**${text}**`;
        if (board.secondBest[col.key] === row.groupKey) return `<u>${text}</u>`;
        return text;
      };
      return [
        `Source: ${domainDisplayName(board.source)} · ${SELECTION_NOTE[board.selection]} · accuracy (%) mean ± std over seeds`,
        '',
        `| Method | ${cols.map((c) => c.title).join(' | ')} |`,
        `| --- | ${cols.map(() => '---:').join(' | ')} |`,
        ...board.rows.map((row) => `| ${row.label.replace(/\|/g, '\\|')} | ${cols.map((c) => mark(row, c)).join(' | ')} |`),
      ].join('\n') + '\n';
    }
    case 'latex': {
      const mark = (row: Leaderboard['rows'][number], col: Column) => {
        const text = formatCell(col.cell(row), '$\\pm$');
        if (board.best[col.key] === row.groupKey) return `\\textbf{${text}}`;
        if (board.secondBest[col.key] === row.groupKey) return `\\underline{${text}}`;
        return text;
      };
      return [
        '% requires \\usepackage{booktabs}',
        '\\begin{table}[t]',
        '\\centering',
        `\\caption{Accuracy (\\%) trained on ${latexEscape(domainDisplayName(board.source))}; ${latexEscape(SELECTION_NOTE[board.selection])}. Mean $\\pm$ std over seeds.}`,
        `\\begin{tabular}{l${'c'.repeat(cols.length)}}`,
        '\\toprule',
        `Method & ${cols.map((c) => latexEscape(c.title)).join(' & ')} \\\\`,
        '\\midrule',
        ...board.rows.map((row) => `${latexEscape(row.label)} & ${cols.map((c) => mark(row, c)).join(' & ')} \\\\`),
        '\\bottomrule',
        '\\end{tabular}',
        '\\end{table}',
      ].join('\n') + '\n';
    }
  }
}

function csvQuote(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function latexEscape(text: string): string {
  return text.replace(/[\\&%$#_{}~^]/g, (ch) => (ch === '\\' ? '\\textbackslash{}' : ch === '~' ? '\\textasciitilde{}' : ch === '^' ? '\\textasciicircum{}' : `\\${ch}`));
}
