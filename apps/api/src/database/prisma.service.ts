import { createDatabase, type Pool, type Prisma, PrismaClient, prismaRunLedger } from '@fer/db';
import type { RunLedger } from '@fer/experiments';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { API_ENV, ApiEnv } from '../config/api-env.schema';

/**
 * The API's one Prisma client (pg driver adapter) and the pg pool under it, whose named prepared statements serve
 * the statements every request makes (the key behind a bearer token), at a tenth of a Prisma query's cost.
 */
@Injectable()
export class PrismaService implements OnModuleDestroy {
  readonly client: PrismaClient;
  /** The experiment domain's view of the same database (run lifecycle, webhook events). */
  readonly ledger: RunLedger;
  readonly pool: Pool;
  private readonly close: () => Promise<void>;

  constructor(@Inject(API_ENV) env: ApiEnv) {
    const database = createDatabase(env.DATABASE_URL);
    this.client = database.prisma;
    this.pool = database.pool;
    this.close = database.close;
    this.ledger = prismaRunLedger(this.client);
  }

  /** The rows of a named prepared statement. */
  async rows<T extends object>(name: string, text: string, values: unknown[]): Promise<T[]> {
    return (await this.pool.query<T>({ name, text, values })).rows;
  }

  /** One row of a named prepared statement, or null. */
  async one<T extends object>(name: string, text: string, values: unknown[]): Promise<T | null> {
    return (await this.rows<T>(name, text, values))[0] ?? null;
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }
}

/**
 * A statement run where the caller is: inside a Prisma transaction, or (outside one) as a named prepared statement
 * on the pool, which costs a fraction of a Prisma query on hot paths.
 */
export function queryRows<T extends object>(
  db: PrismaService | Prisma.TransactionClient,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  return db instanceof PrismaService ? db.rows<T>(name, text, values) : db.$queryRawUnsafe<T[]>(text, ...values);
}
