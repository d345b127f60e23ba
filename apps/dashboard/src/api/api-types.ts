/**
 * The shapes dashboard-api sends (its OpenAPI document at /api/docs is the reference). Written
 * out here because an app never imports another app's code.
 */

export type Role = 'viewer' | 'admin';

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
}

export interface LoginResult {
  accessToken: string;
  expiresIn: number;
  user: SessionUser;
}

export type Track = 'caller' | 'agent' | 'mixed';
export type StreamHealth = 'waiting' | 'healthy' | 'degraded' | 'stalled';

export interface VicidialMetadata {
  callCode?: string;
  callType?: string;
  leadId?: number;
  campaign?: string;
  agent?: string;
}

export interface LiveTrack {
  track: Track;
  tap: 'tapped' | 'stopped' | 'failed';
  health: StreamHealth;
  codec: string | null;
  sampleRate: number | null;
  levelDbfs: number | null;
  lossPercent: number | null;
  jitterMs: number | null;
  packets: number;
  lost: number;
  sampledAt: string | null;
}

export interface LiveCall {
  callId: string;
  server: string;
  channelName: string;
  direction: 'inbound' | 'outbound' | 'unknown';
  state: 'ringing' | 'answered';
  startedAt: string;
  answeredAt: string | null;
  callerNumber: string | null;
  callerName: string | null;
  calleeNumber: string | null;
  vicidial: VicidialMetadata | null;
  tracks: Partial<Record<Track, LiveTrack>>;
}

export interface EndedCall {
  callId: string;
  endedAt: string;
  cause: number;
  causeText: string;
}

export interface StreamHealthUpdate {
  callId: string;
  track: Track;
  health: StreamHealth;
  levelDbfs: number | null;
  lossPercent: number | null;
  jitterMs: number | null;
  sampledAt: string | null;
}

export interface SnapshotMessage {
  at: string;
  complete: boolean;
  calls: LiveCall[];
}

export interface CallsMessage {
  at: string;
  started: LiveCall[];
  answered: LiveCall[];
  updated: LiveCall[];
  ended: EndedCall[];
}

export interface HealthMessage {
  at: string;
  streams: StreamHealthUpdate[];
}

export interface AudioFrameMeta {
  callId: string;
  track: Track;
  sequence: number;
  timestamp: number;
  sampleRate: number;
  frameMs: number;
}

export interface CallSummary {
  callId: string;
  server: string;
  direction: string | null;
  state: 'started' | 'answered' | 'ended';
  callerNumber: string | null;
  callerName: string | null;
  calleeNumber: string | null;
  vicidial: {
    callCode: string | null;
    callType: string | null;
    leadId: number | null;
    campaign: string | null;
    agent: string | null;
  };
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  talkMs: number | null;
  hangupCause: number | null;
  hangupCauseText: string | null;
  tapped: boolean;
  recording: { state: 'recording' | 'complete' | 'failed'; durationMs: number | null } | null;
}

export interface CallPage {
  calls: CallSummary[];
  nextCursor: string | null;
}

export interface CallEventView {
  eventId: string;
  event: string;
  occurredAt: string;
  track: string | null;
  payload: Record<string, unknown>;
}

export interface StreamView {
  track: string;
  state: 'tapped' | 'stopped' | 'failed';
  codec: string | null;
  sampleRate: number | null;
  packets: number;
  lost: number;
  lossPercent: number;
  jitterMs: number | null;
  maxJitterMs: number | null;
  levelDbfs: number | null;
  stalled: boolean;
  stallCount: number;
  failureStage: string | null;
  failureError: string | null;
}

export interface HealthSeries {
  track: string;
  sampledAt: string[];
  lossPercent: number[];
  jitterMs: number[];
  levelDbfs: number[];
  stalled: boolean[];
}

export interface RecordingView {
  state: 'recording' | 'complete' | 'failed';
  durationMs: number | null;
  sizeBytes: number | null;
  format: string;
  sampleRate: number;
  channels: number;
  tracks: Array<{ track: string; channel: number }>;
}

export interface CallDetail {
  call: CallSummary;
  events: CallEventView[];
  streams: StreamView[];
  health: HealthSeries[];
  recording: RecordingView | null;
}

export interface LiveCounts {
  active: number;
  ringing: number;
  answered: number;
  streams: Record<StreamHealth, number>;
}

export interface Summary {
  at: string;
  live: LiveCounts;
  history: {
    hours: number;
    calls: number;
    answered: number;
    missed: number;
    answerRate: number | null;
    averageDurationSeconds: number | null;
    averageTalkSeconds: number | null;
    callsPerHour: Array<{ hour: string; calls: number; answered: number }>;
  } | null;
  historyError: string | null;
}

export interface LiveTrend {
  sampleSeconds: number;
  points: Array<LiveCounts & { at: string }>;
}
