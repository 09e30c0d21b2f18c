/* Charts of the population dynamics page, drawn with the vendored Chart.js (no CDN).
 * Data comes from the json_script block "dynamics-data"; translated labels from data-* attributes.
 * Without JavaScript (or if Chart.js fails to load) the tables stay open as the fallback. */
(function () {
  "use strict";
  var source = document.getElementById("dynamics-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var root = getComputedStyle(document.documentElement);
  var body = getComputedStyle(document.body);
  var palette = ["#b3261e", "#0b57a4", "#1b6e3a", "#8a5a00", "#6a3d9a", "#00838f", "#5b6472"];

  Chart.defaults.font.family = body.fontFamily;
  Chart.defaults.font.size = Math.round(parseFloat(root.fontSize) * 0.85) || 14;
  Chart.defaults.color = "#1d2330";
  Chart.defaults.maintainAspectRatio = false;

  var seriesKeys = {
    move_in: "seriesMoveIn", move_out: "seriesMoveOut", move_within: "seriesMoveWithin",
    birth: "seriesBirth", death: "seriesDeath"
  };

  function config(canvas, chartData) {
    var type = canvas.dataset.type;
    if (type === "line") {
      var datasets = Object.keys(seriesKeys).map(function (kind, i) {
        return {
          label: canvas.dataset[seriesKeys[kind]] || kind,
          data: chartData.series[kind] || [],
          borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length],
          tension: 0.2
        };
      });
      return {
        type: "line",
        data: { labels: chartData.labels, datasets: datasets },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
                   plugins: { legend: { position: "bottom" } } }
      };
    }
    var dataset = { label: canvas.dataset.label, data: chartData.values };
    if (type === "doughnut") {
      dataset.backgroundColor = palette.slice(0, chartData.values.length);
      return {
        type: "doughnut",
        data: { labels: chartData.labels, datasets: [dataset] },
        options: { plugins: { legend: { position: "bottom" } } }
      };
    }
    dataset.backgroundColor = palette[0];
    return {
      type: "bar",
      data: { labels: chartData.labels, datasets: [dataset] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
                 plugins: { legend: { display: false } } }
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chartData = data[canvas.dataset.chart];
    if (!chartData) { return; }
    var box = canvas.parentElement;
    box.hidden = false;
    new Chart(canvas, config(canvas, chartData));
    var section = box.parentElement;
    var table = section && section.querySelector("details.fallback");
    if (table) { table.open = false; }
  });
})();
