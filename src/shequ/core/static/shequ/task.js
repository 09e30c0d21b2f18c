// Follows a background task on its page: updates the progress bar, reloads once the task has ended.
(function () {
  "use strict";
  var box = document.getElementById("task");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector(".task-progress");
  var stage = box.querySelector(".task-stage");
  var count = box.querySelector(".task-count");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.finished) { window.location.reload(); return; }
        if (bar) {
          if (state.percent === null) { bar.removeAttribute("value"); } else { bar.value = state.percent; }
        }
        if (stage) { stage.textContent = state.stage; }
        if (count) { count.textContent = state.total ? state.done + " / " + state.total : ""; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
