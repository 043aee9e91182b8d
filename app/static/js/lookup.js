// Search-as-you-type for relations too large for a dropdown (persons, houses, buildings): FAB's Select2, fed by
// our scoped /lookup/ endpoints. Each <select data-lookup-url> becomes one; the server re-checks the chosen id.
// data-min: characters typed before the first search (0: the first page at once, then more as one scrolls,
// when the endpoint answers {results, more}). The select of a list's filter row is made by FAB's ab_filters.js
// when "Add filter" is clicked: it becomes a picker then (and those of the active filters when the page loads).
(function ($) {
  "use strict";
  function picker(el) {
    var $el = $(el);
    if ($el.hasClass("select2-hidden-accessible")) return;
    var min = parseInt($el.attr("data-min") || "1", 10);
    $el.select2({
      width: "100%",
      minimumInputLength: isNaN(min) ? 1 : min,
      placeholder: $el.data("placeholder") || "请选择",
      allowClear: !$el.prop("required"),
      ajax: {
        url: $el.data("lookup-url"),
        dataType: "json",
        delay: 250,
        data: function (params) { return { q: params.term || "", page: params.page || 1 }; },
        processResults: function (data) { return { results: data.results, pagination: { more: !!data.more } }; }
      }
    });
  }
  function all() { $("select[data-lookup-url]").each(function () { picker(this); }); }
  $(all);
  // FAB's own click handler (bound on the link) has added the row by the time the click reaches the document.
  $(document).on("click", "a.filter", function () { setTimeout(all, 0); });
})(jQuery);
