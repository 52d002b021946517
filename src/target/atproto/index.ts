// The built-in AT Protocol target: `--adapter atproto --target <PDS URL>`.
export { AtprotoTarget, createAtprotoTarget, ATPROTO_CAPABILITIES, ATPROTO_IDENTITY } from './atproto-target.ts';
export { createAtprotoTarget as default } from './atproto-target.ts';
