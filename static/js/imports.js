// The imports page: drag and drop onto the file field, and the progress of the jobs that wait
// or run, polled until they finish (then the page reloads to show the report or the error).
(function () {
  "use strict";

  var POLL_MS = 1000;

  function wireDropzone() {
    var zone = document.getElementById("dropzone");
    var input = zone && zone.querySelector("input[type=file]");
    if (!input) {
      return;
    }
    var hint = document.getElementById("dropzone-hint");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change"));
      }
    });
    input.addEventListener("change", function () {
      if (hint && input.files.length) {
        hint.textContent = "Ready to upload: " + input.files[0].name + ".";
      }
    });
  }

  function poll(element) {
    var url = element.getAttribute("data-progress-url");
    var status = element.querySelector(".progress-status");
    var rows = element.querySelector(".progress-rows");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("progress " + response.status);
          }
          return response.json();
        })
        .then(function (job) {
          if (job.status === "succeeded" || job.status === "failed") {
            window.location.reload();
            return;
          }
          status.textContent = job.status === "running" ? "Running" : "Pending";
          if (job.rows_read !== null) {
            rows.textContent = job.rows_read.toLocaleString("en");
          }
          window.setTimeout(tick, POLL_MS);
        })
        .catch(function () {
          window.setTimeout(tick, POLL_MS * 5);
        });
    }
    window.setTimeout(tick, POLL_MS);
  }

  function wire() {
    wireDropzone();
    document.querySelectorAll(".import-progress[data-progress-url]").forEach(poll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
