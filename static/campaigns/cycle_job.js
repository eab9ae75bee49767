// A cycle's groups and evaluations being made in the background: poll the job, move the bar, say when it is done.
// A static file because the CSP forbids inline scripts.
(function () {
  "use strict";
  var box = document.getElementById("cycle-job");
  if (!box || box.dataset.finished === "1") {
    return;
  }
  var bar = document.getElementById("job-progress");

  function show(job) {
    bar.value = job.progress;
    bar.textContent = job.progress + "%";
    document.getElementById("job-pct").textContent = job.progress + "%";
    document.getElementById("job-status").textContent = job.label;
    document.getElementById("job-step").textContent = job.step;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (job) {
        if (job === null) {
          setTimeout(poll, 3000);
          return;
        }
        show(job);
        if (!job.finished) {
          setTimeout(poll, 1000);
          return;
        }
        box.dataset.finished = "1";
        var wait = document.getElementById("job-wait");
        if (wait) {
          wait.hidden = true;
        }
        if (job.status === "done") {
          document.getElementById("job-added").textContent =
            (job.added.quota_groups || 0) + " nhóm tính tỷ lệ, " + (job.added.evaluations || 0) + " bản đánh giá";
          document.getElementById("job-done").hidden = false;
        } else {
          document.getElementById("job-error-text").textContent = job.error;
          document.getElementById("job-error").hidden = false;
        }
      })
      .catch(function () {
        setTimeout(poll, 3000);
      });
  }

  setTimeout(poll, 500);
})();
