// Charts of the customer analytics page and the Pelanggan dashboard (Chart.js): segment sizes and
// revenue, the lifetime value model's hold-out check, the distribution of the predicted value.
// The data comes from the page (json_script "analytics-charts"); each chart is drawn when its
// canvas is on the page.
(() => {
  const source = document.getElementById("analytics-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const language = document.documentElement.lang === "en" ? "en-US" : "id-ID";
  const compact = (value) => "Rp " + Number(value).toLocaleString(language, { notation: "compact", maximumFractionDigits: 1 });
  const segments = document.getElementById("chart-segments");
  if (segments) {
    new Chart(segments, {
      type: "bar",
      data: {
        labels: data.segments.labels,
        datasets: [
          { label: data.labels.customers, data: data.segments.customers, backgroundColor: "rgba(13, 110, 253, 0.6)", xAxisID: "x" },
          { label: data.labels.revenue, data: data.segments.revenue, backgroundColor: "rgba(25, 135, 84, 0.5)", xAxisID: "x2" },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { beginAtZero: true, position: "bottom" },
          x2: { beginAtZero: true, position: "top", grid: { drawOnChartArea: false }, ticks: { callback: compact } },
        },
      },
    });
  }
  const quality = document.getElementById("chart-quality");
  if (quality) {
    new Chart(quality, {
      type: "line",
      data: {
        labels: data.quality.labels,
        datasets: [
          { label: data.labels.actual, data: data.quality.actual, borderColor: "#198754", backgroundColor: "#198754" },
          { label: data.labels.predicted, data: data.quality.predicted, borderColor: "#0d6efd", backgroundColor: "#0d6efd", borderDash: [6, 4] },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: data.labels.frequency } },
          y: { beginAtZero: true, title: { display: true, text: data.labels.per_customer } },
        },
      },
    });
  }
  const clv = document.getElementById("chart-clv");
  if (clv) {
    new Chart(clv, {
      type: "bar",
      data: {
        labels: data.clv.starts.map((start, index) => compact(start) + " – " + compact(data.clv.ends[index])),
        datasets: [{ label: data.labels.customers, data: data.clv.customers, backgroundColor: "rgba(13, 110, 253, 0.6)" }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }
})();
