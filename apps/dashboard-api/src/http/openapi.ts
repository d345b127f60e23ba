import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_UI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api/docs-json';

/** Serves the OpenAPI document (from the controllers' zod schemas) and its browsable UI. */
export function setupOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Audio Streaming Bridge — dashboard API')
      .setDescription(
        'Call history, live calls, stream health, recordings and users of the bridge. ' +
          'Log in with POST /api/v1/auth/login and send the token as `Authorization: Bearer <token>`. ' +
          'Live updates: socket.io namespace `/live` (websocket transport only) with `auth: { token }`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, { jsonDocumentUrl: OPENAPI_JSON_PATH });
}
