import { Msg, NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import { ContractViolation, decodeJson, encodeJson } from '@asb/contracts';

export interface JsonSubscriptionOptions<S extends z.ZodType> {
  subject: string;
  schema: S;
  maxBytes: number;
  queue?: string;
  handle: (payload: z.output<S>, message: Msg) => void | Promise<void>;
  onInvalid: (message: Msg, violation: ContractViolation) => void;
  onHandlerError?: (error: unknown, message: Msg) => void;
}

/** A core NATS subscription whose messages are validated against a contract schema. */
export function subscribeJson<S extends z.ZodType>(
  nc: NatsConnection,
  options: JsonSubscriptionOptions<S>,
): Subscription {
  return nc.subscribe(options.subject, {
    queue: options.queue,
    callback: (error, message) => {
      if (error) return;
      let payload: z.output<S>;
      try {
        payload = decodeJson(options.schema, message.data, options.maxBytes);
      } catch (violation) {
        if (violation instanceof ContractViolation) options.onInvalid(message, violation);
        return;
      }
      Promise.resolve()
        .then(() => options.handle(payload, message))
        .catch((handlerError: unknown) => options.onHandlerError?.(handlerError, message));
    },
  });
}

export function publishJson<S extends z.ZodType>(
  nc: NatsConnection,
  subject: string,
  schema: S,
  payload: z.input<S>,
  maxBytes: number,
): void {
  nc.publish(subject, encodeJson(schema, payload, maxBytes));
}

/** Request/reply where both the request and the reply are validated contracts. */
export async function requestJson<Req extends z.ZodType, Rep extends z.ZodType>(
  nc: NatsConnection,
  subject: string,
  request: { schema: Req; payload: z.input<Req> },
  reply: { schema: Rep },
  options: { maxBytes: number; timeoutMs: number },
): Promise<z.output<Rep>> {
  const response = await nc.request(
    subject,
    encodeJson(request.schema, request.payload, options.maxBytes),
    { timeout: options.timeoutMs },
  );
  return decodeJson(reply.schema, response.data, options.maxBytes);
}

/** Answers a request with a validated reply (no-op when the request carried no reply subject). */
export function respondJson<S extends z.ZodType>(
  message: Msg,
  schema: S,
  payload: z.input<S>,
  maxBytes: number,
): boolean {
  return message.respond(encodeJson(schema, payload, maxBytes));
}
