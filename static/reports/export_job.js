// The background export's page: poll the job's status, move the progress bar, download the file when it is made.
// A static file because the CSP forbids inline scripts.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || box.dataset.finished === "1") {
    return;
  }
  var bar = document.getElementById("job-progress");
  var pct = document.getElementById("job-pct");
  var status = document.getElementById("job-status");
  var ready = document.getElementById("job-ready");
  var wait = document.getElementById("job-wait");

  function show(job) {
    bar.value = job.progress;
    bar.textContent = job.progress + "%";
    pct.textContent = job.progress + "%";
    status.textContent = job.label;
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
          setTimeout(poll, 1500);
        } else if (job.download_url) {
          box.dataset.finished = "1";
          ready.hidden = false;
          if (wait) {
            wait.hidden = true;
          }
          window.location.assign(job.download_url); // an attachment: the page stays, the file downloads
        } else {
          window.location.reload(); // failed: the page shows the message
        }
      })
      .catch(function () {
        setTimeout(poll, 3000); // the network dropped for a moment: try again
      });
  }

  setTimeout(poll, 1000);
})();
