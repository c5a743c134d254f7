'use strict';

// Bundles index.js into static/vendor/plotly/plotly.min.js the way plotly.js builds its own dist
// bundles (esbuild-config.js in the plotly.js package), under the same licence header.
var path = require('path');
var esbuild = require('esbuild');
var version = require('plotly.js/package.json').version;

esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'index.js')],
    outfile: path.join(__dirname, '..', '..', 'static', 'vendor', 'plotly', 'plotly.min.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Plotly',
    target: 'es2016',
    define: { global: 'window', 'define.amd': 'false' },
    // maplibre-gl's stylesheet serves only the tile-map traces, which the bundle leaves out.
    loader: { '.css': 'empty' },
    banner: {
        js: [
            '/**',
            '* plotly.js (pulse - minified) v' + version,
            '* Copyright 2012-2026, Plotly, Inc.',
            '* All rights reserved.',
            '* Licensed under the MIT license',
            '*/',
        ].join('\n'),
    },
    logLevel: 'warning',
});
