// Draws the Plotly figures the pages embed as JSON (config/charts.py): the pages' Content-Security-
// Policy runs scripts from our own origin only, so no figure brings an inline script of its own.
// plotly.js is loaded only when the page holds a figure: the smaller bundle unless a figure needs
// the maps' (data-plotly-geo), so pages without charts load none of it.
(function () {
  "use strict";

  var script = document.currentScript;
  // Touch screens get no toolbar: it covers the figure and its buttons are too small to tap.
  var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;

  function spec(container) {
    return JSON.parse(container.querySelector('script[type="application/json"]').textContent);
  }

  function draw(container) {
    var figure = spec(container);
    var plot = document.createElement("div");
    plot.className = "plotly-graph-div";
    plot.style.width = "100%";
    container.appendChild(plot);
    if (touch) {
      figure.config.displayModeBar = false;
    }
    Plotly.newPlot(plot, figure.figure.data, figure.figure.layout, figure.config);
  }

  function bundle(containers) {
    var geo = containers.some(function (container) {
      return container.hasAttribute("data-geo");
    });
    return (geo && script.getAttribute("data-plotly-geo")) || script.getAttribute("data-plotly");
  }

  function start() {
    var containers = Array.prototype.slice.call(document.querySelectorAll(".pulse-chart"));
    if (!containers.length) {
      return;
    }
    var loader = document.createElement("script");
    loader.src = bundle(containers);
    loader.onload = function () {
      containers.forEach(draw);
    };
    document.head.appendChild(loader);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
