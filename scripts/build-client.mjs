#!/usr/bin/env node
/*
 * Build the client bundle: js/main.js (with everything it imports) and css/app.css, bundled and
 * minified by esbuild into content-hashed files under <client>/dist/, each with a gzip copy
 * beside it, and dist/manifest.json naming them for the server (server/client.py).
 *
 * The manifest also records the sha256 of every source file that went into the bundle (esbuild's
 * metafile lists them, so a module added anywhere is covered), so the server and the tests tell a
 * bundle built from older sources (a stale dist/) at once: the server then serves the sources.
 *
 * Usage: node scripts/build-client.mjs [CLIENT_DIR]   (default: the repository's client/)
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { constants, gzipSync } from 'node:zlib';

import { build, version } from 'esbuild';

const clientDir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'client'));
const dist = path.join(clientDir, 'dist');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

const result = await build({
  absWorkingDir: clientDir,
  entryPoints: [
    { in: 'js/main.js', out: 'app' },
    { in: 'css/app.css', out: 'app' },
  ],
  bundle: true,
  minify: true,
  format: 'esm',
  // No target: the sources' syntax is kept as written (they already run in every engine we test).
  entryNames: '[name]-[hash]',
  outdir: dist,
  write: false,
  metafile: true,
  logLevel: 'warning',
});

// Write the new files first, then remove the old ones: a running server never lacks a file.
fs.mkdirSync(dist, { recursive: true });
// The builder and esbuild's version are recorded too: a new way of building is a new bundle.
const manifest = { esbuild: version, builder: sha256(fs.readFileSync(import.meta.filename)), inputs: {} };
const written = new Set(['manifest.json']);
for (const file of result.outputFiles) {
  const name = path.basename(file.path);
  const kind = path.extname(name).slice(1); // "js" or "css"
  fs.writeFileSync(file.path, file.contents);
  fs.writeFileSync(`${file.path}.gz`, gzipSync(file.contents, { level: constants.Z_BEST_COMPRESSION }));
  manifest[kind] = `dist/${name}`;
  written.add(name).add(`${name}.gz`);
}
for (const input of Object.keys(result.metafile.inputs).sort()) {
  manifest.inputs[input] = sha256(fs.readFileSync(path.join(clientDir, input)));
}
fs.writeFileSync(path.join(dist, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
for (const name of fs.readdirSync(dist)) {
  if (!written.has(name)) fs.rmSync(path.join(dist, name), { recursive: true });
}

const size = (relative) => fs.statSync(path.join(clientDir, relative)).size;
console.log(
  `client bundle: ${manifest.js} ${size(manifest.js)} B (gzip ${size(`${manifest.js}.gz`)} B), `
    + `${manifest.css} ${size(manifest.css)} B (gzip ${size(`${manifest.css}.gz`)} B), `
    + `${Object.keys(manifest.inputs).length} sources, esbuild ${version}`,
);
