// The client card's «Результаты» chart: data from the json_script named in data-chart-source,
// labels from data- attributes (no inline scripts: the Content-Security-Policy forbids them).
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("results-chart");
    if (!canvas || typeof Chart === "undefined" || canvas.dataset.drawn) return;
    var source = document.getElementById(canvas.dataset.chartSource);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    canvas.dataset.drawn = "1";
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {label: canvas.dataset.labelVisits, data: data.visits, borderColor: "#2563eb", yAxisID: "y", tension: 0.2, pointRadius: 0},
          {label: canvas.dataset.labelConversions, data: data.conversions, borderColor: "#16a34a", yAxisID: "y1", tension: 0.2, pointRadius: 0},
        ],
      },
      options: {
        animation: false,
        interaction: {mode: "index", intersect: false},
        scales: {y: {beginAtZero: true, position: "left"}, y1: {beginAtZero: true, position: "right", grid: {drawOnChartArea: false}}},
      },
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
