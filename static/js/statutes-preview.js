// Live preview of draft statutes: after a pause in typing, ask the server for the same
// preview the "Show preview" button shows and put it in place. Without JavaScript the
// button does the same with a full page.
(function () {
  "use strict";
  var form = document.getElementById("statutes-form");
  if (!form || !window.fetch || !window.DOMParser) {
    return;
  }
  var timer = null;
  var latest = 0;

  function refresh() {
    var data = new FormData(form);
    data.set("action", "preview");
    var ticket = ++latest;
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html || ticket !== latest) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("preview");
        var current = document.getElementById("preview");
        if (!fresh) {
          return;
        }
        if (current) {
          current.replaceWith(fresh);
        } else {
          form.parentNode.appendChild(fresh);
        }
      })
      .catch(function () {});
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 700);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
