// Builds the two browser scripts the page takes from npm instead of from Dash:
//
// assets/00-plotly.min.js: plotly.js with only the trace types the dashboard's figures use.
// The full plotly.min.js that Dash would load (4.8 MB, ~0.9 s of a first page's main thread
// just to evaluate in headless Chromium) carries maps, 3D, tables and forty other traces nobody
// here draws. Dash's graphs take `window.Plotly` when it exists, so this file, served as an
// asset (loaded with the page's other scripts), replaces Dash's copy.
//
// assets/00-regenerator.min.js: the regenerator runtime (7 KB), the one part of Dash's
// @babel/polyfill bundle its components still call (`regeneratorRuntime` in the lazy loader of
// dash-renderer and dcc). api/serving.py drops that polyfill (core-js 2 for browsers older than
// React 18 supports; ~0.25 s of the first page, and its Promise replaces the browser's).
//
//   cd vendor/js && npm ci && npm run build
//
// The settings follow plotly.js's own esbuild-config.js (same plugins, aliases and defines).
// The version must equal the one plotly.py (requirements.txt) writes figures for:
// tests/test_plotly_bundle.py checks the banner against it.
'use strict';

const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

// `scatter` is part of plotly.js's core and always in; these are registered on top of it.
const TRACES = ['bar', 'scattergl'];
const ASSETS = path.join(__dirname, '..', '..', 'assets');
const OUT = path.join(ASSETS, '00-plotly.min.js');
const REGENERATOR = path.join(ASSETS, '00-regenerator.min.js');

const version = require('plotly.js/package.json').version;
const entry = [
    "var Plotly = require('plotly.js/lib/core');",
    'Plotly.register([' + TRACES.map((t) => `require('plotly.js/lib/${t}')`).join(', ') + ']);',
    'module.exports = Plotly;',
].join('\n');

const plotly = esbuild.build({
    stdin: { contents: entry, resolveDir: __dirname, sourcefile: 'plotly-dashboard.js' },
    outfile: OUT,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    banner: {
        js: `/*! plotly.js v${version} (MIT, Plotly Technologies Inc.) | traces: ` +
            `${['scatter', ...TRACES].sort().join(', ')} | built by vendor/js/build.js */`,
    },
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'info',
});

// A plain script (not a module): it sets the global `regeneratorRuntime` as Dash's polyfill did.
const regeneratorVersion = require('regenerator-runtime/package.json').version;
const regenerator = esbuild.build({
    entryPoints: [require.resolve('regenerator-runtime/runtime.js')],
    outfile: REGENERATOR,
    bundle: false,
    minify: true,
    legalComments: 'none',
    banner: {
        js: `/*! regenerator-runtime v${regeneratorVersion} (MIT, Facebook, Inc.) | ` +
            'built by vendor/js/build.js */',
    },
    target: 'es2016',
    logLevel: 'info',
});

Promise.all([plotly, regenerator]).then(() => {
    for (const out of [OUT, REGENERATOR]) console.log(`${out}: ${fs.statSync(out).size} bytes`);
}).catch(() => process.exit(1));
