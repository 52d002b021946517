// `flashcrowd/target`: what an adapter needs: the Target contract's types and the portable helpers that turn HTTP
// responses into OpResults. Portable on purpose (no Node built-ins, nothing of the engine): an adapter importing
// only this can be bundled into the k6 export. The loader, the built-in adapters and the Node HTTP client are
// internal and stay out of it.
export * from './target.ts';
export { classifyThrown, httpError, parseRetryAfter, protocolError, TransportError } from './errors.ts';
export { field, jsonResult, send, ShapeError, transportError } from './http-helpers.ts';
