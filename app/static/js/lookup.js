// Search-as-you-type for relations too large for a dropdown (persons, houses): FAB's Select2, fed by our
// scoped /lookup/ endpoints. Each <select data-lookup-url> becomes one; the server re-checks the chosen id.
$(function () {
  $("select[data-lookup-url]").each(function () {
    var $el = $(this);
    $el.select2({
      width: "100%",
      minimumInputLength: 1,
      placeholder: $el.data("placeholder") || "",
      allowClear: !$el.prop("required"),
      ajax: {
        url: $el.data("lookup-url"),
        dataType: "json",
        delay: 250,
        data: function (params) { return { q: params.term }; },
        processResults: function (data) { return { results: data.results }; }
      }
    });
  });
});
