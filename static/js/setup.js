// The setup pages' behaviour, from a file (the Content-Security-Policy runs scripts from our own
// origin only):
// - a button with data-copy="<id>" copies the text of the element with that id;
// - the element #first-event (data-url: a JSON {"received": bool}) is polled until the
//   project's first event arrives, then turns green.
(function () {
  "use strict";

  var POLL_MS = 2000;

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http (a server on the LAN): the older way, through a selected textarea.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function wireCopy(button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var status = button.parentNode.querySelector(".copied");
      copyText(source.textContent).then(
        function () {
          if (status) status.textContent = "Copied.";
        },
        function () {
          if (status) status.textContent = "Select the text and copy it.";
        }
      );
    });
  }

  function markReceived(indicator) {
    indicator.classList.remove("waiting");
    indicator.classList.add("ok");
    indicator.textContent = "First event received! ";
    var link = document.createElement("a");
    link.href = indicator.getAttribute("data-dashboard") || "../";
    link.textContent = "Open the dashboard";
    indicator.appendChild(link);
  }

  function poll(indicator) {
    fetch(indicator.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { received: false };
      })
      .catch(function () {
        return { received: false };
      })
      .then(function (data) {
        if (data.received) {
          markReceived(indicator);
        } else {
          window.setTimeout(function () { poll(indicator); }, POLL_MS);
        }
      });
  }

  function wire() {
    document.querySelectorAll("button[data-copy]").forEach(wireCopy);
    var indicator = document.getElementById("first-event");
    if (indicator && indicator.classList.contains("waiting")) {
      poll(indicator);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
