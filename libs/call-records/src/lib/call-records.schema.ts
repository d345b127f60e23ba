import { CallEventRecord } from './entities/call-event-record.entity';
import { CallRecord } from './entities/call-record.entity';
import { DeadLetter } from './entities/dead-letter.entity';
import { EgressStreamRecord } from './entities/egress-stream-record.entity';
import { RecordingRecord } from './entities/recording-record.entity';
import { StreamHealthSample } from './entities/stream-health-sample.entity';
import { StreamRecord } from './entities/stream-record.entity';
import { StreamRunRecord } from './entities/stream-run-record.entity';
import { TranscriptSegmentRecord } from './entities/transcript-segment-record.entity';
import { CreateCallRecords1732600000000 } from './migrations/1732600000000-create-call-records.migration';
import { CreateStreamRuns1764770000000 } from './migrations/1764770000000-create-stream-runs.migration';
import { AddVicidialDetails1764800000000 } from './migrations/1764800000000-add-vicidial-details.migration';
import { AddEndWindow1764850000000 } from './migrations/1764850000000-add-end-window.migration';
import { AddConversationId1764860000000 } from './migrations/1764860000000-add-conversation-id.migration';
import { AddAudioVerdicts1764870000000 } from './migrations/1764870000000-add-audio-verdicts.migration';
import { CreateTranscriptSegments1764890000000 } from './migrations/1764890000000-create-transcript-segments.migration';

/** Every entity of the schema, for DatabaseModule.forRoot (bundled apps cannot glob them). */
export const CALL_RECORD_ENTITIES = [
  CallRecord,
  CallEventRecord,
  StreamRecord,
  StreamRunRecord,
  StreamHealthSample,
  RecordingRecord,
  EgressStreamRecord,
  DeadLetter,
  TranscriptSegmentRecord,
];

/** Run by call-logger only, which owns the schema; readers list the entities alone. */
export const CALL_RECORD_MIGRATIONS = [
  CreateCallRecords1732600000000,
  CreateStreamRuns1764770000000,
  AddVicidialDetails1764800000000,
  AddEndWindow1764850000000,
  AddConversationId1764860000000,
  AddAudioVerdicts1764870000000,
  CreateTranscriptSegments1764890000000,
];

/** Where call-logger's TypeORM records the migrations of this schema. */
export const CALL_RECORDS_MIGRATIONS_TABLE = 'call_records_migrations';
