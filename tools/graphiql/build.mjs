// Bundles the GraphiQL page's assets with esbuild into node_modules/.contact-graph/ (so that
// `npm ci`, which wipes node_modules, always rebuilds them). Runs as postinstall; the
// Makefile's install-graphiql target runs `npm ci`. server/graphiql.py serves these files:
//   graphiql.js / graphiql.css   the page's script (an IIFE, no imports) and stylesheet
//   editor.worker.js, json.worker.js, graphql.worker.js   Monaco's web workers
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'node_modules', '.contact-graph');
const version = (name) =>
  JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  legalComments: 'eof',
  target: ['es2022'],
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

await build({
  ...common,
  entryPoints: { graphiql: 'src/graphiql.jsx' },
  outdir: out,
  format: 'iife',
  jsx: 'automatic',
  // Monaco's codicon font goes inside the stylesheet: one file fewer to serve.
  loader: { '.ttf': 'dataurl' },
  define: { ...common.define, GRAPHIQL_VERSION: JSON.stringify(version('graphiql')) },
});

const workers = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};
await build({ ...common, entryPoints: workers, outdir: out, format: 'iife' });

writeFileSync(
  join(out, 'versions.json'),
  JSON.stringify({ graphiql: version('graphiql'), react: version('react') }, null, 2) + '\n',
);
console.log(`GraphiQL ${version('graphiql')} bundled into ${out}`);
