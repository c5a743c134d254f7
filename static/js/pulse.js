// Behaviour every page shares, from a file rather than inline attributes (the pages'
// Content-Security-Policy runs scripts from our own origin only):
// - the workspace switcher submits its form when another workspace is picked;
// - a button with data-confirm asks before it submits its form;
// - the menu button opens and closes the navigation on narrow screens;
// - the time controls: editing a date makes the range "custom", picking a preset drops the dates;
// - times marked .local-time read in the viewer's own time zone;
// - the auto-refresh box of the live views.
(function () {
  "use strict";

  function wireMenu() {
    var button = document.getElementById("menu-button");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      document.body.classList.toggle("menu-open", open);
    });
  }

  function wireTimeControls() {
    var form = document.getElementById("date-filter");
    var preset = document.getElementById("preset");
    if (!form || !preset) {
      return;
    }
    form.querySelectorAll('input[type="date"]').forEach(function (input) {
      input.addEventListener("change", function () {
        preset.value = "custom";
      });
    });
    // Only what the choice needs goes in the URL: no dates beside a preset, no empty fields.
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (field) {
        if (!field.value || (field.type === "date" && preset.value !== "custom")) {
          field.disabled = true;
        }
      });
    });
  }

  function localTimes() {
    document.querySelectorAll("time.local-time").forEach(function (time) {
      var moment = new Date(time.getAttribute("datetime"));
      if (!isNaN(moment.getTime())) {
        time.textContent = moment.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
        time.title = time.getAttribute("datetime");
      }
    });
  }

  // A live view reloads itself while its "auto-refresh" box is ticked; the choice is kept for the
  // next visit in this browser (the page itself stays a plain, cacheable GET).
  function wireAutoRefresh() {
    var box = document.getElementById("auto-refresh");
    if (!box) {
      return;
    }
    var timer = null;
    function schedule() {
      window.clearTimeout(timer);
      if (box.checked) {
        timer = window.setTimeout(function () {
          window.location.reload();
        }, Number(box.getAttribute("data-seconds")) * 1000);
      }
    }
    box.checked = window.localStorage.getItem("pulse-auto-refresh") === "1";
    box.addEventListener("change", function () {
      window.localStorage.setItem("pulse-auto-refresh", box.checked ? "1" : "0");
      schedule();
    });
    schedule();
  }

  function wire() {
    wireMenu();
    wireAutoRefresh();
    wireTimeControls();
    localTimes();
    var switcher = document.getElementById("workspace-switcher");
    if (switcher) {
      switcher.addEventListener("change", function () {
        switcher.form.submit();
      });
    }
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
