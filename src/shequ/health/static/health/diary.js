/* Charts of the resident's health diary, drawn with the vendored Chart.js (population/vendor, no CDN).
 * Data comes from the json_script block "diary-data"; series labels from data-series-* attributes.
 * Without JavaScript the table of recent entries is the fallback. */
(function () {
  "use strict";
  var source = document.getElementById("diary-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.labels.length) { return; }
  var Chart = window.Chart;
  var root = getComputedStyle(document.documentElement);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = Math.round(parseFloat(root.fontSize) * 0.85) || 14;
  Chart.defaults.color = "#1d2330";
  Chart.defaults.maintainAspectRatio = false;
  var colours = { systolic: "#b3261e", diastolic: "#0b57a4", glucose: "#8a5a00", weight: "#1b6e3a" };
  var charts = { bp: ["systolic", "diastolic"], glucose: ["glucose"], weight: ["weight"] };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var keys = charts[canvas.dataset.chart];
    var hasData = keys.some(function (key) { return data[key].some(function (v) { return v !== null; }); });
    if (!hasData) { return; }
    var datasets = keys.map(function (key) {
      var label = canvas.dataset["series" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
      return { label: label, data: data[key], borderColor: colours[key], backgroundColor: colours[key],
               spanGaps: true, tension: 0.2, pointRadius: 4 };
    });
    canvas.parentElement.hidden = false;
    new Chart(canvas, { type: "line", data: { labels: data.labels, datasets: datasets },
                        options: { plugins: { legend: { position: "bottom" } } } });
  });
}());
