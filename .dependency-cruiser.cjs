// Import rules for src/ (DESIGN.md §2), checked by `npm run lint:deps` in CI and by a test in `npm test`.
// Layers, lowest first; a folder may import its own layer's folders' lower neighbours, never a higher layer.
// Leaves (errors, random, target) import nothing of src but errors; backend is a separate program reached only from cli.
const LAYERS = [
  ['errors', 'random'],
  ['target'],
  ['scenario'],
  ['population'],
  ['content'],
  ['run'],
  ['report'],
  ['observe'],
  ['metrics'],
  ['engine', 'shard', 'export', 'raw-load', 'dashboards', 'stack'],
  ['cli'],
];

const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));
const folders = [...rank.keys()];
const alt = (names) => `^src/(${names.join('|')})/`;

/** One rule per folder: it may not import any folder of a higher layer (nor a peer of its own layer). */
const layerRules = folders.map((from) => {
  const forbidden = folders.filter((to) => to !== from && rank.get(to) >= rank.get(from));
  return {
    name: `layer-${from}`,
    comment: `src/${from} sits in layer ${rank.get(from)} of ${LAYERS.map((l) => l.join('+')).join(' <- ')}; it may import only lower layers`,
    severity: 'error',
    from: { path: `^src/${from}/` },
    to: { path: alt(forbidden) },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'backend-only-from-cli',
      comment: 'the reference backend is a separate program: only src/cli (and tests) start it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|backend)/' },
      to: { path: '^src/backend/' },
    },
    {
      name: 'backend-imports-no-harness',
      comment: 'the backend never imports harness code',
      severity: 'error',
      from: { path: '^src/backend/' },
      to: { path: '^src/', pathNot: '^src/backend/' },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'src/cli is the top: flags, printing and exit codes; nothing below imports it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles between modules (type-only imports erase at run time and do not count)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
