// Charts of the management reports (dashboard, churn and retention): every
// <canvas class="report-chart" data-chart-source="ID"> draws the chart described by the
// json_script tag ID: {type, labels, datasets: [{label, data, type?, yAxisID?}], percentAxis?}.
// No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  var COLOURS = ["#2f6fed", "#1a9b5b", "#d6453d", "#e39b12", "#7c3aed", "#0891b2", "#be185d", "#65a30d",
                 "#ea580c", "#475569", "#0d9488", "#9333ea"];
  function draw(canvas) {
    if (typeof Chart === "undefined" || canvas.dataset.drawn) return;
    var source = document.getElementById(canvas.dataset.chartSource);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    canvas.dataset.drawn = "1";
    var datasets = spec.datasets.map(function (d, i) {
      var colour = COLOURS[i % COLOURS.length];
      var ds = {label: d.label, data: d.data, borderColor: colour, backgroundColor: colour, tension: 0.2,
                spanGaps: true};
      if (d.type) ds.type = d.type;
      if (d.yAxisID) ds.yAxisID = d.yAxisID;
      return ds;
    });
    var scales = {y: {beginAtZero: true, position: "left"}};
    if (spec.percentAxis) {
      scales.percent = {beginAtZero: true, position: "right", grid: {drawOnChartArea: false},
                        ticks: {callback: function (v) { return v + " %"; }}};
    }
    new Chart(canvas, {
      type: spec.type,
      data: {labels: spec.labels, datasets: datasets},
      options: {animation: false, interaction: {mode: "index", intersect: false}, scales: scales},
    });
  }
  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas.report-chart"), draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
  document.addEventListener("htmx:afterSettle", drawAll);
})();
