import type { SweepSpec } from '@fer/contracts';
import { ExperimentError } from '../../experiment.errors';
import type { ExpandedConfig } from '../sweep-expansion';
import { rungEpochs } from './successive-halving';

/**
 * What a searcher and an early-stopping rule need of the configs they act on, checked before anything is stored: an
 * objective's metric must be a number every run reports (a target domain, `target-mean` or `source-val`), and a
 * source-val metric or selection needs a held-out source split; early stopping needs at least one rung.
 */
export function assertSearchRules(spec: SweepSpec, points: readonly ExpandedConfig[], targets: readonly string[]): void {
  const withoutHoldOut = points.find((p) => p.config.sourceValFraction === 0);
  if (spec.objective) {
    const { metric, selection } = spec.objective;
    if (metric !== 'target-mean' && metric !== 'source-val' && !targets.includes(metric)) {
      throw ExperimentError.invalid(`unknown objective metric "${metric}"`, [
        { field: 'objective.metric', message: `unknown metric "${metric}": use target-mean, source-val or a target domain (${targets.join(', ')})` },
      ]);
    }
    if (withoutHoldOut && (metric === 'source-val' || selection === 'source-val')) {
      throw ExperimentError.invalid('the objective reads the held-out source split, which these configs do not hold out', [
        {
          field: metric === 'source-val' ? 'objective.metric' : 'objective.selection',
          message: 'needs a held-out source split: set base.selection: source-val (or base.sourceValFraction > 0), or use selection "last"',
        },
      ]);
    }
  }
  if (spec.earlyStopping) {
    const rule = spec.earlyStopping;
    if (rule.metric === 'source-val' && withoutHoldOut) {
      throw ExperimentError.invalid('early stopping on source-val needs a held-out source split', [
        { field: 'earlyStopping.metric', message: 'needs a held-out source split: set base.selection: source-val (or base.sourceValFraction > 0), or use train-accuracy' },
      ]);
    }
    const shortest = Math.min(...points.map((p) => p.config.epochs));
    if (points.length > 0 && rungEpochs(rule, shortest).length === 0) {
      throw ExperimentError.invalid(`early stopping has no rung below ${shortest} epochs`, [
        { field: 'earlyStopping.minEpochs', message: `must be below the runs' epochs (${shortest}) for any run to be stopped` },
      ]);
    }
  }
}
