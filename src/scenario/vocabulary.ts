// The scenario's vocabulary: names a scenario file may use for personas and post kinds. The population and content
// generators give them meaning; they live here so the scenario layer validates them without importing its users.

export const PERSONAS = ['newcomer', 'incumbent', 'helper', 'lurker', 'creator'] as const;
export type Persona = (typeof PERSONAS)[number];

export const POST_KINDS = [
  'intro',
  'pet',
  'lihua',
  'homework',
  'recipe',
  'culture_qa',
  'daily_life',
  'hobby',
  'language_learning',
  'welcome',
] as const;
export type PostKind = (typeof POST_KINDS)[number];
