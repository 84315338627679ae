// The cooperative's menu (base.html) is open in the page, a plain list of links; on a phone
// it is folded behind its summary, and opened again when the screen becomes wide (a tablet
// turned). Without this script it stays open: nothing is lost.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 48rem)");
  function fit() {
    document.querySelectorAll("details.coop-menu").forEach(function (menu) {
      menu.open = wide.matches;
    });
  }
  fit();
  wide.addEventListener("change", fit);
})();
