// Draws the Plotly figures the pages embed as JSON (config/charts.py): the pages' Content-Security-
// Policy runs scripts from our own origin only, so no figure brings an inline script of its own.
// plotly.js (data-plotly: a bundle of only the traces Pulse draws, static/vendor/plotly/) is loaded
// only when the page holds a figure, so pages without charts load none of it.
// Every time chart also gets the page's annotations (config/templatetags/timeline.py): a line or a
// band for each one in its range, listed under it; clicking a point opens the page's
// annotation form, where there is one, at that point's date.
(function () {
  "use strict";

  var script = document.currentScript;
  // Touch screens get no toolbar: it covers the figure and its buttons are too small to tap.
  var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;

  function spec(container) {
    return JSON.parse(container.querySelector('script[type="application/json"]').textContent);
  }

  function readMarks() {
    var data = document.getElementById("pulse-annotations");
    return data ? JSON.parse(data.textContent) : [];
  }

  function isTime(value) {
    return typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value);
  }

  // The first and last x of a figure's traces when they are dates or times (ISO strings sort).
  function timeRange(figure) {
    var first = null;
    var last = null;
    (figure.data || []).forEach(function (trace) {
      (trace.x || []).forEach(function (x) {
        if (!isTime(x)) return;
        if (first === null || x < first) first = x;
        if (last === null || x > last) last = x;
      });
    });
    return first === null ? null : [first, last];
  }

  // A mark is in the chart when it overlaps [first, last bucket]; a bucket holds a whole day
  // (or hour…), so a mark is compared on as many characters as the chart's x values have.
  function marksIn(range, marks) {
    return marks.filter(function (mark) {
      var start = mark.start.slice(0, range[1].length);
      var end = (mark.end || mark.start).slice(0, range[0].length);
      return start <= range[1] && end >= range[0];
    });
  }

  function annotate(layout, marks) {
    layout.shapes = (layout.shapes || []).concat(
      marks.map(function (mark) {
        return {
          type: mark.end ? "rect" : "line", xref: "x", yref: "paper", x0: mark.start, x1: mark.end || mark.start,
          y0: 0, y1: 1, line: { color: "#b45309", width: 1, dash: "dot" }, fillcolor: "rgba(180, 83, 9, 0.08)",
        };
      })
    );
    layout.annotations = (layout.annotations || []).concat(
      marks.map(function (mark) {
        return {
          x: mark.start, xref: "x", y: 1, yref: "paper", yanchor: "bottom", showarrow: false,
          text: mark.text.length > 24 ? mark.text.slice(0, 23) + "…" : mark.text, font: { size: 10, color: "#b45309" },
        };
      })
    );
  }

  function listUnder(container, marks) {
    var list = document.createElement("ul");
    list.className = "chart-annotations";
    marks.forEach(function (mark) {
      var item = document.createElement("li");
      var when = document.createElement("time");
      when.dateTime = mark.start;
      when.textContent = mark.start.replace("T", " ").slice(0, 16) + (mark.end ? " – " + mark.end.replace("T", " ").slice(0, 16) : "");
      item.appendChild(when);
      item.appendChild(document.createTextNode(" " + mark.text));
      list.appendChild(item);
    });
    container.appendChild(list);
  }

  function offerAnnotation(plot) {
    var form = document.getElementById("annotation-form");
    if (!form) return;
    plot.on("plotly_click", function (event) {
      var x = event.points && event.points[0] && event.points[0].x;
      if (!isTime(x)) return;
      form.querySelector('[name="starts_at"]').value = (x.length > 10 ? x : x + "T00:00").slice(0, 16);
      form.hidden = false;
      form.querySelector('[name="text"]').focus();
    });
  }

  function draw(container, marks) {
    var figure = spec(container);
    var range = timeRange(figure.figure);
    var shown = range ? marksIn(range, marks) : [];
    if (shown.length) annotate(figure.figure.layout, shown);
    var plot = document.createElement("div");
    plot.className = "plotly-graph-div";
    plot.style.width = "100%";
    container.appendChild(plot);
    if (touch) {
      figure.config.displayModeBar = false;
    }
    Plotly.newPlot(plot, figure.figure.data, figure.figure.layout, figure.config).then(function () {
      follow(plot, figure.links || {});
    });
    if (shown.length) listUnder(container, shown);
    if (range) offerAnnotation(plot);
  }

  // A click on a bar or a map region whose label the page linked opens its detail page.
  function follow(plot, links) {
    if (!Object.keys(links).length) {
      return;
    }
    plot.classList.add("linked");
    plot.on("plotly_click", function (event) {
      var point = event.points[0];
      var url = links[point.location] || links[point.y] || links[point.x] || links[point.label];
      if (url) {
        window.location.assign(url);
      }
    });
  }

  function start() {
    var containers = Array.prototype.slice.call(document.querySelectorAll(".pulse-chart"));
    if (!containers.length) {
      return;
    }
    var marks = readMarks();
    var loader = document.createElement("script");
    loader.src = script.getAttribute("data-plotly");
    loader.onload = function () {
      containers.forEach(function (container) {
        draw(container, marks);
      });
    };
    document.head.appendChild(loader);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
