// The dashboard's three charts, drawn with the vendored ECharts (app/static/vendor/echarts) from the JSON the page
// carries; the same numbers are in the table below them. No inline script: the CSP allows only our files.
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || !window.echarts) { return; }
  var d = JSON.parse(node.textContent);
  var charts = [];
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = window.echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  }
  var grid = { left: 40, right: 10, top: 40, bottom: 60, containLabel: true };
  draw("chart-persons", {
    title: { text: d.labels.persons, textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, grid: grid,
    legend: { bottom: 0, textStyle: { fontSize: 10 } },
    xAxis: { type: "category", data: d.names, axisLabel: { rotate: 45, fontSize: 10 } }, yAxis: { type: "value" },
    series: d.categories.map(function (name, i) { return { name: name, type: "bar", stack: "p", data: d.persons[i] }; })
  });
  draw("chart-changes", {
    title: { text: d.labels.changes, textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, grid: grid,
    xAxis: { type: "category", data: d.months }, yAxis: { type: "value" },
    series: [{ type: "line", data: d.changes }]
  });
  draw("chart-findings", {
    title: { text: d.labels.findings, textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
    grid: { left: 10, right: 20, top: 40, bottom: 10, containLabel: true },
    xAxis: { type: "value" }, yAxis: { type: "category", data: d.rules, axisLabel: { fontSize: 9, width: 120, overflow: "truncate" } },
    series: [{ type: "bar", data: d.findings }]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
