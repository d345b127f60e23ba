import { TextDecoder, TextEncoder } from 'node:util';

// jsdom leaves out the encoders react-router needs (Node's are the same API) and matchMedia,
// which uPlot reads when it loads (to follow the device pixel ratio).
Object.assign(globalThis, {
  TextEncoder,
  TextDecoder,
  matchMedia: () => ({
    matches: false,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  }),
});
