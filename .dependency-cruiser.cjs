/**
 * Import boundaries (DESIGN §1): agent and hub never import each other, protocol/ and kit/ stay free of I/O, and no
 * module imports itself back through a cycle. `npm run lint:imports` checks them; test/guard-rails proves each rule
 * catches a purpose-made violation.
 */
const IO_MODULES = [
  '^(node:)?(fs|fs/promises|net|tls|http|https|http2|dgram|child_process|cluster|worker_threads|dns|readline|os)$',
  '^(level|classic-level|aedes|mqtt|hono|@hono/node-server|systeminformation)(/|$)',
]

module.exports = {
  forbidden: [
    {
      name: 'agent-not-to-hub',
      severity: 'error',
      comment: 'The agent runs on devices and never imports the hub; both share protocol/ (DESIGN §1).',
      from: { path: '^agent/' },
      to: { path: '^hub/' },
    },
    {
      name: 'hub-not-to-agent',
      severity: 'error',
      comment: 'The hub never imports the agent; both share protocol/ (DESIGN §1).',
      from: { path: '^hub/' },
      to: { path: '^agent/' },
    },
    {
      name: 'protocol-no-io',
      severity: 'error',
      comment: 'protocol/ is the wire contract: no I/O, and it imports neither side.',
      from: { path: '^(protocol|kit)/' },
      to: { path: ['^(agent|hub|cli|bench)/', ...IO_MODULES] },
    },
    {
      name: 'storage-at-the-bottom',
      severity: 'error',
      comment: 'hub/storage is the seam every store stands on: it imports no store, engine or API above it.',
      from: { path: '^hub/storage/' },
      to: { path: '^hub/(?!storage/)' },
    },
    {
      name: 'metric-encoding-pure',
      severity: 'error',
      comment: 'hub/metrics/encoding holds pure codecs (as tsdb/chunkenc): no store, no engine, no database, no I/O.',
      from: { path: '^hub/metrics/encoding/' },
      to: { path: ['^hub/metrics/(store|query)/', '^hub/storage/', ...IO_MODULES] },
    },
    {
      name: 'metric-store-not-to-query',
      severity: 'error',
      comment: 'The engine reads the store through its interface; the store never imports the engine.',
      from: { path: '^hub/metrics/store/' },
      to: { path: '^hub/metrics/query/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter and blurs which module owns what.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    builtInModules: { add: [] },
  },
}
