// Charts of the sales figures page: pipeline by stage and forecast by month (Chart.js).
// The data comes from the page itself (json_script "figures-charts"); amounts are whole Rupiah.
(() => {
  const source = document.getElementById("figures-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const language = document.documentElement.lang === "en" ? "en-US" : "id-ID";
  const rupiah = (value) => "Rp " + Number(value).toLocaleString(language, { maximumFractionDigits: 0 });
  const compact = (value) => "Rp " + Number(value).toLocaleString(language, { notation: "compact", maximumFractionDigits: 1 });
  const money = {
    responsive: true,
    maintainAspectRatio: false,
    scales: { y: { beginAtZero: true, ticks: { callback: compact } } },
    plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${rupiah(item.parsed.y)}` } } },
  };
  const pipeline = document.getElementById("chart-pipeline");
  if (pipeline) {
    new Chart(pipeline, {
      type: "bar",
      data: {
        labels: data.pipeline.labels,
        datasets: [
          { label: data.labels.value, data: data.pipeline.value, backgroundColor: "rgba(13, 110, 253, 0.35)", borderColor: "#0d6efd", borderWidth: 1 },
          { label: data.labels.weighted, data: data.pipeline.weighted, backgroundColor: "rgba(25, 135, 84, 0.6)", borderColor: "#198754", borderWidth: 1 },
        ],
      },
      options: money,
    });
  }
  const forecast = document.getElementById("chart-forecast");
  if (forecast) {
    new Chart(forecast, {
      type: "bar",
      data: {
        labels: data.forecast.labels,
        datasets: [
          { label: data.labels.value, data: data.forecast.value, backgroundColor: "rgba(13, 110, 253, 0.35)", borderColor: "#0d6efd", borderWidth: 1 },
          { label: data.labels.weighted, data: data.forecast.weighted, backgroundColor: "rgba(25, 135, 84, 0.6)", borderColor: "#198754", borderWidth: 1 },
        ],
      },
      options: money,
    });
  }
})();
