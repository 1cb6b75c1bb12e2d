import { PRESET_NAMES, TRAINING_PRESETS, trainingConfigSchema, type PresetName } from '@fer/contracts';
import type { Command } from 'commander';

/** The path a preset's expanded config is shown with (presets need one; the user names the real file). */
const TRUNK_WEIGHTS_PLACEHOLDER = '<path of your ResNet-18 weights, e.g. resnet18_msceleb.pth>';

/** `fer presets show NAME`: the preset's source and the full config it expands to (what a run stores). */
export function describePreset(name: string, json: boolean): string {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) throw new Error(`unknown preset "${name}": one of ${PRESET_NAMES.join(', ')}`);
  const preset = TRAINING_PRESETS[name as PresetName];
  const config = trainingConfigSchema.parse({ preset: name, trunkWeights: TRUNK_WEIGHTS_PLACEHOLDER });
  if (json) return JSON.stringify({ name, source: preset.source, description: preset.description, values: preset.values, config }, null, 2) + '\n';
  return (
    `${name}: ${preset.description}\n` +
    `source: ${preset.source}\n` +
    `use: { "preset": "${name}", "trunkWeights": "/data/models/resnet18_msceleb.pth" } in a config or a sweep base` +
    (preset.values.backbone === 'clip-vit-b32' ? ', with "backboneWeights" (CLIP ViT-B/32 .safetensors)' : '') +
    '\nfields it sets (a conflicting field beside it is refused):\n' +
    JSON.stringify(preset.values, null, 2) +
    '\nthe stored config it expands to:\n' +
    JSON.stringify(config, null, 2) +
    '\n'
  );
}

export function listPresets(json: boolean): string {
  if (json) return JSON.stringify(PRESET_NAMES.map((name) => ({ name, description: TRAINING_PRESETS[name].description }))) + '\n';
  const width = Math.max(...PRESET_NAMES.map((n) => n.length));
  return PRESET_NAMES.map((name) => `${name.padEnd(width)}  ${TRAINING_PRESETS[name].description}\n`).join('');
}

/** Paper presets (each official code's hyperparameters), no server needed. */
export function registerPresetsCommands(program: Command): void {
  const presets = program
    .command('presets')
    .description("Paper presets: `preset: NAME` in a config or sweep base expands to each official code's hyperparameters");
  presets
    .command('list')
    .description('List the presets')
    .option('--json', 'print [{"name", "description"}]')
    .action((options: { json?: boolean }) => void process.stdout.write(listPresets(Boolean(options.json))));
  presets
    .command('show')
    .description('Show what a preset sets and the full config it expands to')
    .argument('<name>', PRESET_NAMES.join(' | '))
    .option('--json', 'print {"name", "source", "description", "values", "config"}')
    .action((name: string, options: { json?: boolean }) => void process.stdout.write(describePreset(name, Boolean(options.json))));
}
