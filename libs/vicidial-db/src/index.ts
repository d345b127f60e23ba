export * from './lib/vicidial-tables';
export * from './lib/vicidial-data-source';
