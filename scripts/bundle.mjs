// The installed kfleet's start-up: bundle the compiled CLI (src/cli/main.ts, and the etcd store's
// worker thread) into dist/bundle/ with esbuild. One file per lazily loaded command group instead of
// ~150 modules cuts module loading, which is most of a short command's CPU (bench/startup.ts; the
// README's Start-up section has the numbers). Code splitting keeps commands lazy. Packages with
// native parts, large optional trees or run-time file lookups stay external and load from
// node_modules as before: ssh2, etcd3 (gRPC), just-bash (the lab's shell), ssh-config, log-update.
// Run by `npm run build` after tsc (which type-checks and emits dist/ per file).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// commander requires node:child_process when it loads, for git-style executable subcommands,
// which kfleet does not have; loading that built-in costs several ms of every start (bench/startup.ts).
// In the bundle commander gets it on first use instead.
const lazyChildProcess = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'kfleet-lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'kfleet-lazy' }, () => ({
      loader: 'js',
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
    }));
  },
};

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/state/etcd-worker.ts'],
  // Flat names: the etcd store finds its worker as ./etcd-worker.js next to the chunk it is in.
  entryNames: '[name]',
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['ssh2', 'etcd3', 'just-bash', 'ssh-config', 'log-update'],
  // CommonJS dependencies (commander) call require(); ESM output has none of its own.
  banner: { js: "import { createRequire as __kfleetCreateRequire } from 'node:module'; const require = __kfleetCreateRequire(import.meta.url);" },
  plugins: [lazyChildProcess],
  logLevel: 'warning',
});
