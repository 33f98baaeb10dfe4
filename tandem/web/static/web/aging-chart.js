// The receivables page's aging chart: data from the json_script named in data-chart-source
// (no inline scripts: the Content-Security-Policy forbids them).
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("aging-chart");
    if (!canvas || typeof Chart === "undefined" || canvas.dataset.drawn) return;
    var source = document.getElementById(canvas.dataset.chartSource);
    if (!source) return;
    // The view passes the chart as a JSON string, which json_script encodes once more.
    var data = JSON.parse(JSON.parse(source.textContent));
    canvas.dataset.drawn = "1";
    new Chart(canvas, {
      type: "bar",
      data: {labels: data.labels, datasets: [{label: "₽", data: data.values.map(Number),
        backgroundColor: ["#16a34a", "#facc15", "#fb923c", "#f97316", "#dc2626"]}]},
      options: {plugins: {legend: {display: false}}, animation: false},
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
