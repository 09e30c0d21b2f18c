/* Charts of the performance assessment page, drawn with the vendored Chart.js (no CDN).
 * Data comes from the json_script block "assessment-data"; translated labels from data-* attributes.
 * Without JavaScript (or if Chart.js fails to load) the tables below are the whole page. */
(function () {
  "use strict";
  var source = document.getElementById("assessment-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.labels.length) { return; }
  var Chart = window.Chart;
  var root = getComputedStyle(document.documentElement);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = Math.round(parseFloat(root.fontSize) * 0.85) || 14;
  Chart.defaults.color = "#1d2330";
  Chart.defaults.maintainAspectRatio = false;

  function draw(canvas, config) {
    canvas.parentElement.hidden = false;
    new Chart(canvas, config);
  }

  var departments = document.getElementById("chart-departments");
  if (departments) {
    draw(departments, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: departments.dataset.seriesReceived, data: data.received, backgroundColor: "#0b57a4" },
          { label: departments.dataset.seriesOnTime, data: data.on_time, backgroundColor: "#1b6e3a" },
          { label: departments.dataset.seriesOverdue, data: data.overdue, backgroundColor: "#b3261e" }
        ]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
                 plugins: { legend: { position: "bottom" } } }
    });
  }
  var satisfaction = document.getElementById("chart-satisfaction");
  if (satisfaction) {
    draw(satisfaction, {
      type: "bar",
      data: { labels: data.labels,
              datasets: [{ label: satisfaction.dataset.label, data: data.satisfaction, backgroundColor: "#8a5a00" }] },
      options: { indexAxis: "y", scales: { x: { min: 0, max: 5 } }, plugins: { legend: { display: false } } }
    });
  }
}());
