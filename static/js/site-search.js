// Title suggestions under the header's search box, as an ARIA combobox:
// typing asks /search/suggest/ (debounced); ↑/↓ move through the list,
// Enter opens the chosen page, Esc closes the list.
(function () {
  "use strict";
  var form = document.querySelector(".site-search[data-suggest-url]");
  if (!form) return;
  var input = form.querySelector("[role=combobox]");
  var list = form.querySelector("[role=listbox]");
  var url = form.getAttribute("data-suggest-url");
  var timer = null;
  var active = -1;
  var latest = 0;

  function options() {
    return list.querySelectorAll("[role=option]");
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function select(index) {
    var items = options();
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function show(suggestions) {
    close();
    if (!suggestions.length) return;
    suggestions.forEach(function (suggestion, i) {
      var item = document.createElement("li");
      item.id = "site-search-option-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = suggestion.url;
      link.tabIndex = -1;
      link.textContent = suggestion.title + " · " + suggestion.kind;
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function fetchSuggestions() {
    var query = input.value.trim();
    if (!query) {
      close();
      return;
    }
    var request = ++latest;
    fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (data) {
        // An older answer arriving late must not replace a newer one.
        if (request === latest) show(data.suggestions || []);
      })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 200);
  });

  input.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      select(active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      select(active - 1);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].querySelector("a").href);
    }
  });

  input.addEventListener("blur", function () {
    // Late enough for a click on a suggestion to land first.
    setTimeout(close, 150);
  });
})();
