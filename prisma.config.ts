// Prisma CLI config. `engine: 'js'` with the pg adapter keeps `prisma generate` and `prisma migrate diff`
// offline (no engine binaries to download). Migrations are applied by @fer/db's migrator, not `migrate deploy`.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// generate and diff never connect, but without a DATABASE_URL Prisma falls back to its downloaded engines.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/postgres';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  engine: 'js',
  experimental: { adapter: true },
  adapter: async () =>
    new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
