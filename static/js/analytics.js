// Charts of the customer analytics page (Chart.js): segment sizes and revenue, and the lifetime
// value model's hold-out check. The data comes from the page (json_script "analytics-charts").
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
})();
