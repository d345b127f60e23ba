import { z } from 'zod';
import { ContractViolation } from '../contract-violation.error';
import { parseCallEventSubject, callEventSubject } from '../subjects/subjects';
import { CALL_EVENT_MAX_BYTES, CallEvent, callEventSchema } from './call-event.schema';

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Validates a value against a contract schema and returns the parsed (stripped) value. */
export function validatePayload<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ContractViolation('invalid_payload', describeIssues(result.error));
  }
  return result.data;
}

/** Size-checks, parses and validates a JSON message body. */
export function decodeJson<S extends z.ZodType>(
  schema: S,
  data: Uint8Array,
  maxBytes: number,
): z.output<S> {
  if (data.byteLength > maxBytes) {
    throw new ContractViolation(
      'oversized_payload',
      `${data.byteLength} bytes exceeds the limit of ${maxBytes}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(textDecoder.decode(data));
  } catch (error) {
    throw new ContractViolation('malformed_json', (error as Error).message);
  }
  return validatePayload(schema, value);
}

/** Validates then serialises, so nothing invalid ever leaves a service. */
export function encodeJson<S extends z.ZodType>(
  schema: S,
  value: z.input<S>,
  maxBytes: number,
): Uint8Array {
  const data = textEncoder.encode(JSON.stringify(validatePayload(schema, value)));
  if (data.byteLength > maxBytes) {
    throw new ContractViolation(
      'oversized_payload',
      `${data.byteLength} bytes exceeds the limit of ${maxBytes}`,
    );
  }
  return data;
}

export interface EncodedCallEvent {
  subject: string;
  data: Uint8Array;
}

export function encodeCallEvent(event: CallEvent): EncodedCallEvent {
  return {
    subject: callEventSubject(event.callId, event.event),
    data: encodeJson(callEventSchema, event, CALL_EVENT_MAX_BYTES),
  };
}

/** Decodes a call event and checks that its subject and its body describe the same call and event. */
export function decodeCallEvent(subject: string, data: Uint8Array): CallEvent {
  const fromSubject = parseCallEventSubject(subject);
  const event = decodeJson(callEventSchema, data, CALL_EVENT_MAX_BYTES);
  if (event.callId !== fromSubject.callId || event.event !== fromSubject.event) {
    throw new ContractViolation(
      'subject_payload_mismatch',
      `subject says ${fromSubject.callId}/${fromSubject.event}, body says ${event.callId}/${event.event}`,
    );
  }
  return event;
}
