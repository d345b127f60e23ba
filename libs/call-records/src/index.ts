export * from './lib/entities/call-record.entity';
export * from './lib/entities/call-event-record.entity';
export * from './lib/entities/stream-record.entity';
export * from './lib/entities/stream-health-sample.entity';
export * from './lib/entities/recording-record.entity';
export * from './lib/entities/egress-stream-record.entity';
export * from './lib/entities/dead-letter.entity';
export * from './lib/call-records.schema';
