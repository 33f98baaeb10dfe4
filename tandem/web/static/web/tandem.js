// Small behaviours for every page. The Content-Security-Policy forbids inline scripts and
// on* attributes, so they live here.
(function () {
  "use strict";
  // <select data-autosubmit>: submit its form on change (the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
  // The header search dropdown closes with Escape or a click elsewhere.
  function closeSearch() {
    var box = document.getElementById("search-dropdown");
    if (box) { box.innerHTML = ""; }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeSearch(); }
  });
  document.addEventListener("click", function (event) {
    var form = document.querySelector(".globalsearch");
    if (form && !form.contains(event.target)) { closeSearch(); }
  });
})();
