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
