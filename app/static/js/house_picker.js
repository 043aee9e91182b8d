/* The one house picker of the phone pages (no Select2: heavy and awkward one-handed on a phone). Type part of an
   address in #house-search, tap one of the houses its data-url returns ({results: [{id, text}]}); the chosen id
   goes to #house (and the address to #house_text where a page keeps it). The endpoint decides the scope: the
   user's houses (/changes/houses) or one committee's (the public declaration page). data-min: fewest characters
   before asking (default 1). */
(function () {
  "use strict";
  var box = document.getElementById("house-search");
  if (!box) return;
  var list = document.getElementById("house-picks"), hidden = document.getElementById("house"),
      text = document.getElementById("house_text"), chosen = document.getElementById("house-chosen"),
      min = parseInt(box.dataset.min || "1", 10), timer = null;
  function pick(id, label) {
    hidden.value = id;
    if (text) text.value = label;
    chosen.textContent = label; chosen.style.display = id ? "block" : "none";
    list.innerHTML = ""; box.value = "";
  }
  if (hidden.value && chosen.textContent.trim()) chosen.style.display = "block";
  box.addEventListener("input", function () {
    clearTimeout(timer);
    var q = box.value.trim();
    if (q.length < min) { list.innerHTML = ""; return; }
    timer = setTimeout(function () {
      fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) {
          list.innerHTML = "";
          data.results.forEach(function (h) {
            var li = document.createElement("li"), b = document.createElement("button");
            b.type = "button"; b.textContent = h.text;
            b.addEventListener("click", function () { pick(h.id, h.text); });
            li.appendChild(b); list.appendChild(li);
          });
        });
    }, 250);
  });
})();
