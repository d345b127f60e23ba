import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { setupOpenApi } from '../http/openapi';

/** HTTP setup shared by main.ts and the tests: socket.io on the same server, and the OpenAPI docs. */
export function configureApp(app: INestApplication): void {
  app.useWebSocketAdapter(new IoAdapter(app));
  setupOpenApi(app);
}
