/* Small 12-month trend charts of the leadership dashboard, drawn with the vendored Chart.js (no CDN).
 * Data comes from the json_script block "dashboard-data"; each chart's table stays as the fallback
 * (open without JavaScript, folded once the chart is drawn). */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var root = getComputedStyle(document.documentElement);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = Math.round(parseFloat(root.fontSize) * 0.75) || 12;
  Chart.defaults.color = "#1d2330";
  Chart.defaults.maintainAspectRatio = false;

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var series = data[canvas.dataset.chart];
    if (!series) { return; }
    var box = canvas.parentElement;
    box.hidden = false;
    new Chart(canvas, {
      type: "line",
      data: { labels: series.labels.map(function (month) { return month.slice(2); }),
              datasets: [{ label: canvas.dataset.label, data: series.values, borderColor: "#0b57a4",
                           backgroundColor: "#0b57a4", tension: 0.2, pointRadius: 2 }] },
      options: { scales: { y: { beginAtZero: true, ticks: series.whole ? { precision: 0 } : {} } },
                 plugins: { legend: { display: false } } }
    });
    var fallback = box.parentElement && box.parentElement.querySelector("details.fallback");
    if (fallback) { fallback.open = false; }
  });
}());
