import { z } from 'zod';
import { CALL_ID_MAX_LENGTH, isValidCallId } from '../ids/call-id';
import { AUDIO_TRACKS } from '../subjects/subject-names';

export const callIdSchema = z
  .string()
  .max(CALL_ID_MAX_LENGTH)
  .refine(isValidCallId, { message: 'callId must be one NATS token of [A-Za-z0-9_-]' });

export const trackSchema = z.enum(AUDIO_TRACKS);

/** Codecs an externalMedia channel can send us; `slin`/`slin16` arrive big-endian. */
export const SOURCE_CODECS = ['ulaw', 'alaw', 'slin', 'slin16'] as const;
export const sourceCodecSchema = z.enum(SOURCE_CODECS);
export type SourceCodec = z.infer<typeof sourceCodecSchema>;

/** Consumers always receive PCM16LE at one of these rates. */
export const SAMPLE_RATES = [8000, 16000] as const;
export const sampleRateSchema = z.union([z.literal(8000), z.literal(16000)]);

export const schemaVersionSchema = z.number().int().positive();
export const isoTimestampSchema = z.iso.datetime({ offset: true });
export const uint32Schema = z.number().int().min(0).max(0xffffffff);
export const counterSchema = z.number().int().min(0);

export const phoneNumberSchema = z.string().max(64);
export const shortTextSchema = z.string().max(256);
