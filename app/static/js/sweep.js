/* The sweep page (issue 6): a tap posts the mark with fetch (CSRF in X-CSRFToken) and updates the row from the
   JSON answer, no reload. Without JavaScript the same forms post normally and the page reloads at the room. */
(function () {
  "use strict";
  var root = document.getElementById("sweep");
  var toast = document.getElementById("toast"), timer = null;
  function say(text, error) {
    if (!toast) return;
    toast.textContent = text; toast.className = "toast show" + (error ? " error" : "");
    clearTimeout(timer); timer = setTimeout(function () { toast.className = "toast"; }, error ? 5000 : 2200);
  }
  function post(url, data) {
    return fetch(url, {method: "POST", body: data, credentials: "same-origin",
                       headers: {"X-CSRFToken": root.dataset.csrf, "X-Requested-With": "fetch", "Accept": "application/json"}})
      .then(function (r) { return r.json().catch(function () { return {ok: false, message: r.status + ""}; }); });
  }
  function labelOf(result) {
    return {correct: root.dataset.correct, should_cancel: root.dataset.cancel, should_register: root.dataset.register}[result] || "";
  }
  // Sex and birth date shown as the ID number is typed (the server checks it again).
  function derive(value) {
    var v = (value || "").trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(v)) return "";
    var w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], sum = 0;
    for (var i = 0; i < 17; i++) sum += w[i] * (v.charCodeAt(i) - 48);
    if ("10X98765432"[sum % 11] !== v[17]) return "";  // wrong check character: the server says why
    return v.substr(6, 4) + "-" + v.substr(10, 2) + "-" + v.substr(12, 2) + " · " + ("13579".indexOf(v[16]) >= 0 ? root.dataset.male : root.dataset.female);
  }
  if (!root) return;
  // The undo button of one's own mark stays for the seconds the server allows (RULE_SWEEP_UNDO_MINUTES).
  function offerUndo(li, record, seconds) {
    var form = li.querySelector("form.undo");
    if (!form || !record || !(seconds > 0)) return;
    form.querySelector("input[name=record]").value = record;
    form.hidden = false;
    clearTimeout(form._timer);
    form._timer = setTimeout(function () { form.hidden = true; }, seconds * 1000);
  }
  Array.prototype.forEach.call(root.querySelectorAll("form.undo"), function (form) {
    var seconds = parseInt(form.dataset.seconds || "0", 10);
    if (seconds > 0) offerUndo(form.closest(".person"), form.querySelector("input[name=record]").value, seconds);
  });
  root.addEventListener("click", function (ev) {
    var undo = ev.target.closest ? ev.target.closest(".undo button") : null;
    if (undo) {
      ev.preventDefault();
      var undoForm = undo.form, row = undoForm.closest(".person");
      undo.disabled = true;
      post(undoForm.action, new FormData(undoForm)).then(function (res) {
        undo.disabled = false;
        say(res.message || "", !res.ok);
        if (!res.ok) return;
        undoForm.hidden = true;
        row.classList.remove("done", "correct", "should_cancel");
        row.querySelector(".state").textContent = "";
        Array.prototype.forEach.call(row.querySelectorAll(".marks button"), function (b) { b.disabled = false; });
      }).catch(function () { undo.disabled = false; say(root.dataset.neterr, true); });
      return;
    }
    var btn = ev.target.closest ? ev.target.closest(".marks button") : null;
    if (!btn) return;
    ev.preventDefault();
    var form = btn.form, li = form.closest(".person");
    if (li.classList.contains("busy") || li.classList.contains("done")) return;
    var data = new FormData(form); data.append("result", btn.value);
    li.classList.add("busy");
    post(form.action, data).then(function (res) {
      li.classList.remove("busy");
      if (res.ok || res.code === "already_marked") {
        var result = res.result || btn.value;
        li.classList.add("done", result);
        li.querySelector(".state").textContent = labelOf(result);
        if (res.ok) offerUndo(li, res.record, res.undo_seconds);
      }
      say(res.message || "", !res.ok);
    }).catch(function () { li.classList.remove("busy"); say(root.dataset.neterr, true); });
  });
  Array.prototype.forEach.call(root.querySelectorAll("form.found"), function (form) {
    var idBox = form.querySelector("input[name=id_number]"), out = form.querySelector(".derived");
    idBox.addEventListener("input", function () { out.textContent = derive(idBox.value); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button"); button.disabled = true;
      post(form.action, new FormData(form)).then(function (res) {
        button.disabled = false;
        say(res.message || "", !res.ok);
        if (!res.ok) return;
        var li = document.createElement("li");
        li.className = "person done should_register";
        var who = document.createElement("div"); who.className = "who";
        var b = document.createElement("b"); b.textContent = res.name; who.appendChild(b);
        var st = document.createElement("div"); st.className = "state"; st.textContent = labelOf("should_register");
        li.appendChild(who); li.appendChild(st);
        form.closest(".room").querySelector(".people").appendChild(li);
        form.reset(); out.textContent = ""; form.closest("details").open = false;
      }).catch(function () { button.disabled = false; say(root.dataset.neterr, true); });
    });
  });
})();
