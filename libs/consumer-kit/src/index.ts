export * from './lib/track-seam';
export * from './lib/recent-audio-request';
export * from './lib/join-track';
