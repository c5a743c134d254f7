// Draws the Plotly figures the pages embed as JSON (config/charts.py): the pages' Content-Security-
// Policy runs scripts from our own origin only, so no figure brings an inline script of its own.
(function () {
  "use strict";

  function draw(container) {
    var spec = JSON.parse(container.querySelector('script[type="application/json"]').textContent);
    var plot = document.createElement("div");
    plot.className = "plotly-graph-div";
    plot.style.width = "100%";
    container.appendChild(plot);
    Plotly.newPlot(plot, spec.figure.data, spec.figure.layout, spec.config);
  }

  function drawAll() {
    document.querySelectorAll(".pulse-chart").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  // Figures drawn while the layout was still settling took a provisional width: fit them to
  // their panels once everything has loaded.
  window.addEventListener("load", function () {
    document.querySelectorAll(".js-plotly-plot").forEach(function (plot) {
      Plotly.Plots.resize(plot);
    });
  });
})();
