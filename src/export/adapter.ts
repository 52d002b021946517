// `export k6 --adapter FILE|NAME`: the bundle k6 imports (bundle-adapter.ts) and what the script and README need to
// know of the adapter: its name and declared capabilities, read from the adapter itself at export time (built with
// a client that sends nothing, so exporting never touches the target).
import { CAPABILITIES, type Capability, type HttpClient, type IdentityPolicy } from '../target/target.ts';
import { TransportError } from '../target/errors.ts';
import { AdapterLoadError, instantiateAdapter, loadAdapter } from '../target/load-adapter.ts';
import { AdapterBundleError, bundleAdapter } from './bundle-adapter.ts';
import { ACTION_NEEDS } from './script.ts';

export interface K6Adapter {
  /** As the user named it (file path or built-in name). */
  source: string;
  /** Target.name. */
  name: string;
  /** Optional operations the adapter declares; all of them when it declares none (pre-v2 adapters). */
  supports: Capability[];
  /** False when the adapter declares no capabilities. */
  declared: boolean;
  /** The adapter's identity policy (handles, emails, passwords): data/people.json is generated with it. */
  identity?: IdentityPolicy;
  /** Why an operation is unsupported, as the adapter says. */
  reasons: Partial<Record<Capability, string>>;
  /** Actions of the scenario's vocabulary this adapter cannot serve (left out of the weights), with the reason. */
  skipped: { action: string; capability: string; why: string }[];
  /** TargetOptions.timeoutMs the script hands the adapter. */
  timeoutMs: number;
  /** The ES module k6 imports (adapter.js). */
  code: string;
  /** Source files bundled. */
  inputs: string[];
}

export const DEFAULT_K6_REQUEST_TIMEOUT_MS = 10_000;

/** A client that answers nothing: the adapter is only built to read its declarations. */
const NO_TRAFFIC: HttpClient = {
  request: async (req) => {
    throw new TransportError({ kind: 'other', message: `export k6: no requests at export time (${req.method} ${req.path})` });
  },
  close: async () => {},
};

export async function prepareK6Adapter(adapter: string, options: { url: string; cwd?: string; timeoutMs?: number }): Promise<K6Adapter> {
  const cwd = options.cwd ?? process.cwd();
  // Bundle first: an adapter k6 cannot run is refused before any of its code runs here.
  const bundle = await bundleAdapter(adapter, cwd);
  let name: string;
  let declared: string[] | undefined;
  let reasons: Partial<Record<Capability, string>> = {};
  let identity: IdentityPolicy | undefined;
  try {
    const factory = await loadAdapter(adapter, cwd);
    const target = await instantiateAdapter(factory, { url: options.url, http: NO_TRAFFIC, timeoutMs: options.timeoutMs }, `adapter ${adapter}`);
    name = String(target.name ?? adapter);
    declared = target.capabilities ? [...target.capabilities.supports] : undefined;
    reasons = { ...(target.capabilities?.reasons ?? {}) };
    identity = target.identity;
    await target.close().catch(() => {});
  } catch (err) {
    if (err instanceof AdapterLoadError) throw new AdapterBundleError(`export k6 --adapter ${adapter}: ${err.message}`);
    throw err;
  }
  const unknown = (declared ?? []).filter((c) => !(CAPABILITIES as readonly string[]).includes(c));
  if (unknown.length) throw new AdapterBundleError(`export k6 --adapter ${adapter}: unknown capabilities ${unknown.join(', ')} (known: ${CAPABILITIES.join(', ')})`);
  const supports = (declared ?? [...CAPABILITIES]) as Capability[];
  const skipped = Object.entries(ACTION_NEEDS)
    .filter(([, capability]) => !supports.includes(capability as Capability))
    .map(([action, capability]) => ({ action, capability, why: reasons[capability as Capability] ?? `the adapter does not declare '${capability}'` }));
  return {
    source: adapter,
    name,
    supports,
    declared: declared !== undefined,
    identity,
    reasons,
    skipped,
    timeoutMs: options.timeoutMs ?? DEFAULT_K6_REQUEST_TIMEOUT_MS,
    code: bundle.code,
    inputs: bundle.inputs,
  };
}
