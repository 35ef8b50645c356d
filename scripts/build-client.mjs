#!/usr/bin/env node
/*
 * Build the client bundle: js/main.js (with everything it imports) and css/app.css, bundled and
 * minified by esbuild into content-hashed files under <client>/dist/, each with a gzip and a
 * brotli copy beside it, and dist/manifest.json naming them for the server (server/client.py).
 * The language catalogues (i18n/*.json, fetched at start) get compressed copies too, under
 * dist/i18n/, with their hash: the server sends those while the catalogue is unchanged.
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
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

import { build, version } from 'esbuild';

const clientDir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'client'));
const dist = path.join(clientDir, 'dist');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Write ``bytes`` compressed beside ``file``: file.gz and file.br. */
function compressed(file, bytes) {
  fs.writeFileSync(`${file}.gz`, gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }));
  const params = {
    [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
  };
  fs.writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params }));
}

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
const manifest = {
  esbuild: version,
  builder: sha256(fs.readFileSync(import.meta.filename)),
  inputs: {},
  precompressed: {},
};
const written = new Set(['manifest.json', 'i18n']);
for (const file of result.outputFiles) {
  const name = path.basename(file.path);
  const kind = path.extname(name).slice(1); // "js" or "css"
  fs.writeFileSync(file.path, file.contents);
  compressed(file.path, file.contents);
  manifest[kind] = `dist/${name}`;
  written.add(name).add(`${name}.gz`).add(`${name}.br`);
}
fs.rmSync(path.join(dist, 'i18n'), { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'i18n'));
for (const name of fs.readdirSync(path.join(clientDir, 'i18n')).filter((n) => n.endsWith('.json'))) {
  const catalogue = `i18n/${name}`;
  const bytes = fs.readFileSync(path.join(clientDir, catalogue));
  compressed(path.join(dist, catalogue), bytes);
  manifest.precompressed[catalogue] = sha256(bytes);
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
  'client bundle: '
    + [manifest.js, manifest.css]
      .map((file) => `${file} ${size(file)} B (gzip ${size(`${file}.gz`)} B, brotli ${size(`${file}.br`)} B)`)
      .join(', ')
    + `; ${Object.keys(manifest.inputs).length} sources, esbuild ${version}`,
);
