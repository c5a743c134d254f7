// Behaviour every page shares, from a file rather than inline attributes (the pages'
// Content-Security-Policy runs scripts from our own origin only):
// - the workspace switcher submits its form when another workspace is picked;
// - a button with data-confirm asks before it submits its form.
(function () {
  "use strict";

  function wire() {
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
