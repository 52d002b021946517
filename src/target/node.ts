// `flashcrowd/node`: the Node-only side of the Target contract, for driving an adapter outside a run (your adapter's
// unit tests, a script): the HttpClient flashcrowd hands adapters under Node (undici), and the loader that `run`,
// `check` and `export k6` use to load and validate an adapter module. Kept apart from the portable
// `flashcrowd/target` (bundled into k6) and from `flashcrowd` (scenarios: loading one should not load an HTTP stack).
//
//   import { createNodeHttpClient, loadAdapter, instantiateAdapter } from 'flashcrowd/node';
//   import { runConformance } from 'flashcrowd/target';
//   const target = await instantiateAdapter(await loadAdapter('./load/adapter.ts'), { url: 'http://127.0.0.1:8080' });
//   const report = await runConformance(target);   // what `flashcrowd check` prints
export { NodeHttpClient, createNodeHttpClient, MAX_RESPONSE_BYTES, type NodeHttpClientOptions } from './node-http-client.ts';
export {
  AdapterLoadError,
  BUILTIN_ADAPTERS,
  CAPABILITY_METHODS,
  CORE_METHODS,
  builtinAdapterNames,
  instantiateAdapter,
  loadAdapter,
  validateTarget,
} from './load-adapter.ts';
