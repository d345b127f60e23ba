import { z } from 'zod';

export const recordingTicketSchema = z.object({
  url: z.string().describe('GET this URL (no Authorization header needed) to stream the recording'),
  expiresIn: z.number().int().describe('seconds the URL stays valid'),
});
export type RecordingTicket = z.infer<typeof recordingTicketSchema>;
