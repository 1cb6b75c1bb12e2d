import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { RouteMethods } from './common/route-methods';
import { ApiEnv } from './config/api-env.schema';

/** JSON answers embed nothing and may be framed by nobody; only the OpenAPI page runs Swagger UI's scripts and styles. */
const API_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] };
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'unsafe-inline'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
};

/** Builds the API (used by main.ts and by the integration tests, which listen on port 0). */
export async function createApiApp(env: ApiEnv): Promise<INestApplication> {
  // JSON bodies only (useBodyParser below, with its limit): Nest's default parsers would add a urlencoded one no route reads.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forEnv(env), { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  app.set('trust proxy', env.FER_TRUST_PROXY);
  const docs = helmet({ contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP }, referrerPolicy: { policy: 'no-referrer' } });
  const json = helmet({ contentSecurityPolicy: { useDefaults: false, directives: API_CSP }, referrerPolicy: { policy: 'no-referrer' } });
  app.use((request: { path: string }, response: unknown, next: () => void) =>
    (request.path.startsWith('/api/docs') ? docs : json)(request as never, response as never, next),
  );
  app.setGlobalPrefix('api/v1', { exclude: ['api/docs', 'api/docs-json'] });
  app.useBodyParser('json', { limit: '1mb' });
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('FER experiment platform')
      .setDescription('Datasets, sweeps, runs, evaluations and cross-domain leaderboards for CAFE (ECCV 2024).')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  await app.init();
  RouteMethods.capture(app);
  return app;
}
