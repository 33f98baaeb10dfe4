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
  // Confirmation toasts (added out of band by in-place actions) fade after a few seconds.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("#toasts .toast:not([data-timed])").forEach(function (toast) {
      toast.setAttribute("data-timed", "1");
      window.setTimeout(function () { toast.remove(); }, 6000);
    });
  });
  // <button data-dismiss="selector">: removes its closest ancestor matching the selector (the
  // «Отмена» of a form opened in place by htmx).
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-dismiss]") : null;
    var box = button ? button.closest(button.getAttribute("data-dismiss")) : null;
    if (box) { event.preventDefault(); box.remove(); }
  });
  // <input data-select-on-focus>: a read-only link selected whole for copying.
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-focus")) { target.select(); }
  });
  // Focus moves to the first field with an error (after a full page load and after htmx
  // swaps a form back with errors), so a keyboard or screen-reader user lands on it.
  function focusFirstError(root) {
    var field = root.querySelector(".field.has-error input, .field.has-error select, .field.has-error textarea, td.has-error input");
    if (field) {
      field.focus();
      if (field.scrollIntoView) { field.scrollIntoView({block: "center"}); }
    }
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  // Bars (load, plan, hours): width and marks from data-bar-width / data-bar-left, in percent.
  // Set through the CSSOM: the Content-Security-Policy refuses style="" attributes in markup.
  function drawBars(root) {
    root.querySelectorAll("[data-bar-width]").forEach(function (el) {
      var value = parseFloat(el.getAttribute("data-bar-width"));
      el.style.width = (isNaN(value) ? 0 : Math.max(0, Math.min(100, value))) + "%";
    });
    root.querySelectorAll("[data-bar-left]").forEach(function (el) {
      var value = parseFloat(el.getAttribute("data-bar-left"));
      if (!isNaN(value)) { el.style.left = value + "%"; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawBars(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    drawBars(target && target.isConnected ? target : document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.target;
    focusFirstError(target && target.isConnected ? target : document);
  });
})();
