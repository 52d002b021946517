// Reading a target's capability declaration (contract v2): what it serves beyond the core, and why not.
import { CAPABILITIES, type Capability, type Target } from './target.ts';

/** True when the target declares `capability`. (An object built around the loader without a declaration is read as contract v1: everything.) */
export function supports(target: Pick<Target, 'capabilities'>, capability: Capability): boolean {
  const caps = target.capabilities;
  return !caps || caps.supports.includes(capability);
}

/** The declared capabilities a target lacks, in CAPABILITIES order. */
export function unsupported(target: Pick<Target, 'capabilities'>): Capability[] {
  return CAPABILITIES.filter((c) => !supports(target, c));
}

/** Why the target does not serve `capability`: its own words when it gave them. */
export function unsupportedReason(target: Pick<Target, 'capabilities' | 'name'>, capability: Capability): string {
  return target.capabilities?.reasons?.[capability] ?? `target ${target.name} does not support ${capability}`;
}
