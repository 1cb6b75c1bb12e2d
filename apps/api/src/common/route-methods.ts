import type { INestApplication } from '@nestjs/common';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}

/**
 * The HTTP methods the API serves on a path, read from Express's router once the app is initialised, so a wrong
 * method answers 405 with `Allow` instead of a 404 that suggests the path does not exist.
 */
export class RouteMethods {
  private static layers: RouterLayer[] = [];

  static capture(app: INestApplication): void {
    const express = app.getHttpAdapter().getInstance() as { router?: { stack: RouterLayer[] } };
    // Middleware bound with forRoutes('*') shows up as `/api/v1/{*path}` routes for every method: not endpoints.
    RouteMethods.layers = (express.router?.stack ?? []).filter(
      (layer) => layer.route && !layer.route.path.includes('*'),
    );
  }

  static allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const layer of RouteMethods.layers) {
      if (!layer.match(path)) continue;
      for (const [method, on] of Object.entries(layer.route!.methods))
        if (on && method !== '_all') methods.add(method.toUpperCase());
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}
