export interface ConfigEntry {
  path: string;
  value: unknown;
  base: unknown;
  changed: boolean;
}

function flatten(value: unknown, prefix: string, into: Map<string, unknown>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      flatten(child, prefix ? `${prefix}.${key}` : key, into);
    }
    return;
  }
  into.set(prefix, value);
}

/** Dotted-path view of a config against its sweep's base, in the config's own key order. */
export function diffConfig(config: unknown, base: unknown | null): ConfigEntry[] {
  const own = new Map<string, unknown>();
  flatten(config, '', own);
  const baseEntries = new Map<string, unknown>();
  if (base) flatten(base, '', baseEntries);
  const paths = [...own.keys(), ...[...baseEntries.keys()].filter((path) => !own.has(path))];
  return paths.map((path) => {
    const value = own.get(path);
    const baseValue = baseEntries.get(path);
    return {
      path,
      value,
      base: baseValue,
      changed: base !== null && JSON.stringify(value) !== JSON.stringify(baseValue),
    };
  });
}

/** The fields where any of several configs differs from the others, with each config's value: what a compare view shows. */
export function differingFields(configs: unknown[]): { path: string; values: unknown[] }[] {
  const flat = configs.map((config) => {
    const entries = new Map<string, unknown>();
    flatten(config, '', entries);
    return entries;
  });
  const paths = [...new Set(flat.flatMap((entries) => [...entries.keys()]))];
  return paths
    .map((path) => ({ path, values: flat.map((entries) => entries.get(path)) }))
    .filter(({ values }) => new Set(values.map((v) => JSON.stringify(v))).size > 1);
}
