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
    var ends = 'input[type="date"], input[type="datetime-local"]';
    form.querySelectorAll(ends).forEach(function (input) {
      input.addEventListener("change", function () {
        preset.value = "custom";
      });
    });
    // Only what the choice needs goes in the URL: no dates beside a preset, no empty fields.
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (field) {
        if (!field.value || (field.matches(ends) && preset.value !== "custom")) {
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

  // A live view reloads itself every data-refresh-ms while its "auto-refresh" box is ticked. The
  // choice is kept in the URL (live=1), so a reload, a bookmark or a shared link keeps it; while
  // the tab is hidden nothing is reloaded, and a reload that fell due meanwhile happens on return.
  function wireAutoRefresh() {
    var box = document.getElementById("auto-refresh");
    if (!box) {
      return;
    }
    var timer = null;
    var due = false;
    function reload() {
      if (document.hidden) {
        due = true;
      } else {
        window.location.reload();
      }
    }
    function schedule() {
      window.clearTimeout(timer);
      due = false;
      if (box.checked) {
        timer = window.setTimeout(reload, Number(box.getAttribute("data-refresh-ms")) || 30000);
      }
    }
    box.addEventListener("change", function () {
      var url = new URL(window.location.href);
      if (box.checked) {
        url.searchParams.set("live", "1");
      } else {
        url.searchParams.delete("live");
      }
      window.history.replaceState(null, "", url.toString());
      schedule();
    });
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && due) {
        window.location.reload();
      }
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
