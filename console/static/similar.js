// The problems like the one being written, shown as the teacher types (problem_new.html): a short
// pause after her last keystroke, the form's title and description are sent to the console's
// similar-problems list and its HTML (rendered and escaped by the server) replaces the list. Only
// the answer to the latest question is shown. Without this script the look-up form does the same.
(function () {
  "use strict";
  var PAUSE_MS = 300;
  var MAX_CHARS = 2000;
  var section = document.getElementById("similar");
  var form = document.getElementById("problem-form");
  if (!section || !form || !window.fetch) {
    return;
  }
  var lookup = document.getElementById("similar-lookup");
  if (lookup) {
    lookup.hidden = true;
  }
  var timer = null;
  var asked = 0;

  function typed() {
    return (form.elements.title.value + " " + form.elements.description.value).trim().slice(0, MAX_CHARS);
  }

  function refresh() {
    var text = typed();
    var question = ++asked;
    if (!text) {
      section.replaceChildren();
      return;
    }
    fetch(section.dataset.url + "?text=" + encodeURIComponent(text), {credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html !== null && question === asked) {
          section.innerHTML = html;
        }
      })
      .catch(function () { /* the list stays as it was; she can still submit */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, PAUSE_MS);
  });
})();
