/** Message formats a stream can speak; `twilio` is the default. */
export const EGRESS_FORMATS = ['twilio', 'jambonz'] as const;
export type EgressFormatName = (typeof EGRESS_FORMATS)[number];

/**
 * Tracks a twilio stream carries unless both are asked for: the customer alone, as Twilio's own
 * default (`inbound`). Clients like Pipecat's TwilioFrameSerializer turn every `media` message
 * into one audio stream without reading `media.track`, so two tracks would reach them as
 * interleaved 20 ms pieces of two voices.
 */
export const TWILIO_DEFAULT_TRACKS = ['caller'] as const;

/** PCM rates the jambonz listen protocol allows. */
export const JAMBONZ_SAMPLE_RATES = [8000, 16000, 24000, 48000] as const;
export type JambonzSampleRate = (typeof JAMBONZ_SAMPLE_RATES)[number];

/** mono = the customer, stereo = customer left + agent right, mixed = both in one channel. */
export const JAMBONZ_MIX_TYPES = ['mono', 'stereo', 'mixed'] as const;
export type JambonzMixType = (typeof JAMBONZ_MIX_TYPES)[number];

/** The WebSocket subprotocol of jambonz's listen verb. */
export const JAMBONZ_SUBPROTOCOL = 'audio.jambonz.org';
