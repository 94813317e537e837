import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createValidationPipe } from '@bistand/http/validation';
import { AppModule, type AppModuleOptions } from './app.module';

/** Builds the configured Nest application without listening, for `main.ts` and the e2e tests alike. */
export async function createApp(options: AppModuleOptions & { logger?: false }): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(options), {
    logger: options.logger === false ? false : new Logger(),
    bufferLogs: false,
  });
  app.useGlobalPipes(createValidationPipe());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Bistand')
      .setDescription('Placement requests from municipal child welfare services to Bufetat, breaches of the assistance duty, and capacity per region.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
