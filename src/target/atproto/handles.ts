// Identity mapping for the AT Protocol target: a PDS accepts handles `<label>.<service domain>` whose label is
// 3-18 characters of [a-z0-9-] (no dots, no '_', no leading or trailing '-'), and one account per email address.
// flashcrowd's generated handles are `<base>_<index in base 36>` ([a-z0-9_], up to 30 characters), so the adapter
// maps them deterministically: `<base without '_', shortened>-<index>`. The index suffix keeps the mapping
// injective for generated handles; anything else gets a hash suffix instead. The contract v2 identity policy will
// let the population generator produce valid handles directly; until then the mapping lives here.

export const LABEL_MIN = 3;
export const LABEL_MAX = 18;

/** `li_wei_2f` -> `liwei-2f.test`; already-qualified handles (`x.test`) pass through unchanged. */
export function atprotoHandle(handle: string, domain = '.test'): string {
  if (handle.endsWith(domain) && isValidLabel(handle.slice(0, -domain.length))) return handle;
  // Shaped by the identity policy already (generated handles of the reference API always contain '_').
  if (isValidLabel(handle)) return handle + domain;
  return atprotoLabel(handle) + domain;
}

export function atprotoLabel(handle: string): string {
  const lower = handle.toLowerCase();
  const generated = /^([a-z0-9_]*)_([0-9a-z]+)$/.exec(lower);
  let base: string;
  let suffix: string;
  if (generated && generated[2].length <= 8) {
    base = generated[1];
    suffix = generated[2];
  } else {
    base = lower;
    suffix = fnv1a32(handle).toString(36);
  }
  base = base.replace(/[^a-z0-9]+/g, '');
  const room = LABEL_MAX - 1 - suffix.length;
  base = (base || 'u').slice(0, Math.max(1, room));
  return `${base}-${suffix}`;
}

export function isValidLabel(label: string): boolean {
  return label.length >= LABEL_MIN && label.length <= LABEL_MAX && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(label);
}

/** One address per account (the PDS refuses a second account on the same email). */
export function atprotoEmail(handle: string): string {
  return `${handle.replace(/\.[^.]+$/, '')}@example.com`;
}

function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
