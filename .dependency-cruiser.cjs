// Layering of server/: imports go one way, top to bottom (see ../shared/BLUEPRINT.md).
//   lib → sla → compile → signals → store → audit → collector → evaluate → triage → remediate → http → prometheus → cli → demo → main
// audit sits right after store: it is a signed append-only log that remediation (and triage) write to.
// prometheus (Prometheus as the data source) sits above http: it implements the HTTP layer's read views
// (EvaluationView, the series query) and reuses its validation and error answers.
/** @type {import('dependency-cruiser').IConfiguration} */
const layers = [
  'lib',
  'sla',
  'compile',
  'signals',
  'store',
  'audit',
  'collector',
  'evaluate',
  'triage',
  'remediate',
  'http',
  'prometheus',
  'cli',
  'demo',
];

const upward = layers.map((layer, i) => ({
  name: `${layer}-imports-upward`,
  comment: `server/${layer} may only import the layers before it: ${layers.slice(0, i).join(', ') || 'none'}`,
  severity: 'error',
  from: { path: `^server/${layer}/` },
  to: { path: `^server/(${layers.slice(i + 1).join('|')})/` },
}));

const PURE = ['lib', 'sla', 'compile', 'signals', 'evaluate', 'triage'];

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pure-logic-has-no-http',
      comment: 'sla, compile, signals, evaluate and triage are pure logic: no Express, no HTTP clients',
      severity: 'error',
      from: { path: `^server/(${PURE.join('|')})/`, pathNot: '\\.test\\.ts$' },
      to: { path: '(^|/)node_modules/(express|undici|node-fetch|axios)/|^(http|https|net)$' },
    },
    {
      name: 'sql-only-in-store',
      comment: 'server/store is the only module that speaks SQL (BLUEPRINT.md)',
      severity: 'error',
      from: { path: '^server/', pathNot: '^server/store/' },
      to: { path: '(^|/)node_modules/better-sqlite3/' },
    },
    {
      name: 'no-tests-in-production',
      comment: 'production code never imports tests or their helpers',
      severity: 'error',
      from: { pathNot: '\\.test\\.tsx?$|/test-support/|^chaos/' },
      to: { path: '\\.test\\.tsx?$|/test-support/' },
    },
    {
      name: 'web-imports-only-server-types',
      comment: 'web/ runs in the browser: from server/ it may import types (erased at build), never code',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^server/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'server-never-imports-web-or-e2e',
      comment: 'the server serves the built dashboard from dist/web; it never imports the app or its tests',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(web|e2e|chaos)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js'],
    },
  },
};
