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
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    // <button data-dismiss="form">: «Отмена» of an in-place form removes that form.
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var gone = dismiss.closest(dismiss.getAttribute("data-dismiss") || "form");
      if (gone) { gone.remove(); }
    }
    // <input data-select-on-click>: a click selects the whole value (a link to copy).
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-click")) {
      target.select();
    }
  });
  // Confirmation toasts (added out of band by in-place actions) fade after a few seconds.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("#toasts .toast:not([data-timed])").forEach(function (toast) {
      toast.setAttribute("data-timed", "1");
      window.setTimeout(function () { toast.remove(); }, 6000);
    });
  });
})();
