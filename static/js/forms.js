// One submission per form: a second tap while the first is on its way sends nothing (on a
// slow connection it would plan a second assembly, or add an item twice). The form can be
// sent again after a few seconds (a download leaves the page as it is), and when the
// browser shows the page again from its history.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    window.setTimeout(function () {
      delete form.dataset.sending;
    }, 4000);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
    });
  });
})();
