// `flashcrowd/target`: what an adapter needs: the Target contract's types and the portable helpers that turn HTTP
// responses into OpResults. Portable on purpose (no Node built-ins, nothing of the engine): an adapter importing
// only this can be bundled into the k6 export. The loader, the built-in adapters and the Node HTTP client are
// internal and stay out of it (the Node side is `flashcrowd/node`, src/target/node.ts).
export * from './target.ts';
export { classifyThrown, httpError, parseRetryAfter, protocolError, TransportError } from './errors.ts';
export { field, jsonResult, send, ShapeError, transportError } from './http-helpers.ts';
export { runConformance, type CheckOptions, type CheckReport, type CheckRow, type CheckStatus } from './conformance.ts';
