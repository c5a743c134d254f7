'use strict';

// Exactly the trace types Pulse's charts draw: scatter, bar and heatmap on axes, choropleth on
// the world map.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/choropleth'),
]);

module.exports = Plotly;
