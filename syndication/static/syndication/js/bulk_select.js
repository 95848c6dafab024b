// Select-all and a running count for the ledger's bulk actions form. The
// listing is re-rendered in place when filters change, so listen on document.
(function () {
  "use strict";

  function boxes() {
    return Array.from(document.querySelectorAll("[data-syndication-select]"));
  }

  function refresh() {
    var count = boxes().filter(function (box) { return box.checked; }).length;
    document.querySelectorAll("[data-syndication-selected-count]").forEach(function (el) {
      el.textContent = count ? "已勾选 " + count + " 条" : "";
    });
    var all = document.querySelector("[data-syndication-select-all]");
    if (all) {
      all.checked = count > 0 && count === boxes().length;
      all.indeterminate = count > 0 && count < boxes().length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-syndication-select-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
      refresh();
    } else if (target.matches("[data-syndication-select]")) {
      refresh();
    }
  });

  document.addEventListener("submit", function (event) {
    if (event.target.id !== "syndication-bulk-form") return;
    if (!boxes().some(function (box) { return box.checked; })) {
      event.preventDefault();
      window.alert("请先勾选要处理的交付。");
    }
  });
})();
