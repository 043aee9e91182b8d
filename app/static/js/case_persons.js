// Several persons on one entry form (a family on one registration form): add and remove person rows.
// Every row repeats the same field names; the server reads them in order. No library but the page's jQuery-free DOM.
(function () {
  "use strict";
  var box = document.getElementById("case-persons");
  if (!box) { return; }
  var max = parseInt(box.getAttribute("data-max"), 10) || 20;
  var label = box.getAttribute("data-row-label") || "{n}";
  var addButton = document.getElementById("case-person-add");

  function rows() { return box.querySelectorAll("[data-row]"); }

  function renumber() {
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      var n = i + 1, row = all[i];
      row.querySelector(".case-person-no").textContent = label.replace("{n}", n);
      var fields = row.querySelectorAll("input, select");
      for (var j = 0; j < fields.length; j++) {
        var id = fields[j].id.replace(/-\d+$/, "-" + n);
        var lab = row.querySelector('label[for="' + fields[j].id + '"]');
        fields[j].id = id;
        if (lab) { lab.setAttribute("for", id); }
      }
      row.querySelector("[data-remove-person]").classList.toggle("hidden", all.length === 1);
    }
    addButton.classList.toggle("hidden", all.length >= max);
  }

  addButton.addEventListener("click", function () {
    var all = rows();
    var copy = all[all.length - 1].cloneNode(true);
    var fields = copy.querySelectorAll("input, select");
    for (var i = 0; i < fields.length; i++) { fields[i].value = ""; }
    all[all.length - 1].parentNode.insertBefore(copy, addButton);
    renumber();
    copy.querySelector("input").focus();
  });

  box.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-person]");
    if (!button || rows().length === 1) { return; }
    button.closest("[data-row]").remove();
    renumber();
  });

  renumber();
}());
