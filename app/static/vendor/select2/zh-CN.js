/*! Select2 4.0.13 | https://github.com/select2/select2/blob/master/LICENSE.md */
/* select2/i18n/zh-CN (Select2 4.0.13's zh-CN language file, written out: FAB ships Select2 without its i18n
   folder). Defines the AMD module "select2/i18n/zh-CN" inside Select2's own loader. */
(function () {
  if (!(window.jQuery && jQuery.fn && jQuery.fn.select2 && jQuery.fn.select2.amd)) return;
  jQuery.fn.select2.amd.define("select2/i18n/zh-CN", [], function () {
    return {
      errorLoading: function () { return "无法载入结果。"; },
      inputTooLong: function (args) { return "请删除" + (args.input.length - args.maximum) + "个字符"; },
      inputTooShort: function (args) { return "请再输入至少" + (args.minimum - args.input.length) + "个字符"; },
      loadingMore: function () { return "载入更多结果…"; },
      maximumSelected: function (args) { return "最多只能选择" + args.maximum + "个项目"; },
      noResults: function () { return "未找到结果"; },
      searching: function () { return "搜索中…"; },
      removeAllItems: function () { return "删除所有项目"; },
      removeItem: function () { return "删除项目"; },
      search: function () { return "搜索"; }
    };
  });
})();
