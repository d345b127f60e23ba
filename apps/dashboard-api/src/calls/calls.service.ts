import { Injectable, NotFoundException } from '@nestjs/common';
import { CallRecordsRepository } from './call-records.repository';
import type { CallQuery } from './dtos/call-query.dto';
import type { CallDetail, CallPage, TranscriptSegment } from '@asb/contracts';
import { audioVerdictTimeline } from './utils/audio-verdict-timeline.util';
import { decodeCallCursor, encodeCallCursor } from './utils/call-cursor.util';

@Injectable()
export class CallsService {
  constructor(private readonly records: CallRecordsRepository) {}

  async list(query: CallQuery): Promise<CallPage> {
    const cursor = query.cursor ? decodeCallCursor(query.cursor, query.sort) : undefined;
    const { calls, keys } = await this.records.findCalls(query, cursor);
    const last = calls.length === query.limit ? calls.length - 1 : -1;
    return {
      calls,
      nextCursor:
        last >= 0
          ? encodeCallCursor({ sort: query.sort, key: keys[last], callId: calls[last].callId })
          : null,
    };
  }

  async detail(callId: string): Promise<CallDetail> {
    const call = await this.records.findCall(callId);
    if (!call) throw new NotFoundException(`no record of call ${callId}`);
    const [legs, events, streams, health, recording] = await Promise.all([
      this.records.findLegs(call.conversationId, callId),
      this.records.findEvents(callId),
      this.records.findStreams(callId),
      this.records.findHealthSeries(callId),
      this.records.findRecording(callId),
    ]);
    const { path: _path, fileName: _fileName, ...recordingView } = recording ?? {};
    return {
      call,
      legs,
      events,
      streams,
      health,
      recording: recording ? (recordingView as CallDetail['recording']) : null,
      audioVerdicts: audioVerdictTimeline(call, events),
    };
  }

  transcript(callId: string): Promise<TranscriptSegment[]> {
    return this.records.findTranscript(callId);
  }
}
