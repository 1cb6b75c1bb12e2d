import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** A spec file in YAML or JSON; a parse error names the file and line. */
export function readSpecFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}
