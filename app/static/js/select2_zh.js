// Select2 speaks Chinese (issue 14 item 6): every Select2 made after this (FAB's dropdowns and filters, our
// search-as-you-type pickers) uses the zh-CN language of vendor/select2/zh-CN.js, so "Remove all items",
// "Please enter 1 or more characters" and "No results found" read 删除所有项目, 请再输入至少1个字符, 未找到结果.
(function () {
  if (!(window.jQuery && jQuery.fn && jQuery.fn.select2 && jQuery.fn.select2.defaults)) return;
  jQuery.fn.select2.defaults.set("language", "zh-CN");
})();

// FAB's own scripts (ab.js) give some dropdowns the English placeholder "Select": it reads 请选择.
(function () {
  if (!(window.jQuery && jQuery.fn && jQuery.fn.select2)) return;
  var original = jQuery.fn.select2;
  var wrapped = function (options) {
    if (options && typeof options === "object" && options.placeholder === "Select") {
      options = jQuery.extend({}, options, {placeholder: "请选择"});
      return original.call(this, options);
    }
    return original.apply(this, arguments);
  };
  Object.keys(original).forEach(function (key) { wrapped[key] = original[key]; });
  jQuery.fn.select2 = wrapped;
})();
