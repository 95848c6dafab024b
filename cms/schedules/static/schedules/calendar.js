// 播出日历: drag an airing to another day (month view) or another day and
// time (week view). The server decides: it moves the airing through the
// schedule's rules or refuses with a Chinese reason, and the airing snaps
// back. After a move the grid is fetched again and swapped in place, so the
// page keeps its scroll position and the conflicts are marked afresh.
(function () {
  "use strict";

  const root = document.querySelector("[data-schedule-calendar]");
  if (!root) {
    return;
  }
  const message = root.querySelector("[data-calendar-message]");
  const csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  const monthView = root.dataset.view === "month";
  // The week view's hour cells take a drop anywhere in the hour; where in
  // the cell it lands gives the minutes, in steps of five.
  const MINUTE_STEP = 5;
  let dragged = null;
  let busy = false;

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function show(text, isError) {
    message.textContent = text;
    message.hidden = false;
    message.classList.toggle("schedule-calendar__message--error", isError);
    message.setAttribute("role", isError ? "alert" : "status");
  }

  function dropTime(cell, clientY) {
    if (monthView) {
      return dragged.dataset.localTime;
    }
    const box = cell.getBoundingClientRect();
    const steps = 60 / MINUTE_STEP;
    const fraction = box.height ? (clientY - box.top) / box.height : 0;
    const step = Math.min(steps - 1, Math.max(0, Math.floor(fraction * steps)));
    return `${pad(cell.dataset.dropHour)}:${pad(step * MINUTE_STEP)}`;
  }

  function clearTargets() {
    root.querySelectorAll(".schedule-calendar__drop-target").forEach((cell) => {
      cell.classList.remove("schedule-calendar__drop-target");
      delete cell.dataset.dropLabel;
    });
  }

  async function refreshGrid() {
    const response = await fetch(window.location.href, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) {
      return;
    }
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = html.querySelector("[data-calendar-grid]");
    const current = root.querySelector("[data-calendar-grid]");
    if (fresh && current) {
      // Wagtail's admin scrolls its main area, not the window: keep the
      // position of every box the grid scrolls in.
      const positions = scrollingBoxes(current).map((box) => [box, box.scrollTop]);
      current.replaceWith(document.importNode(fresh, true));
      positions.forEach(([box, top]) => {
        box.scrollTop = top;
      });
    }
  }

  function scrollingBoxes(element) {
    const boxes = [];
    for (let box = element.parentElement; box; box = box.parentElement) {
      if (box.scrollHeight > box.clientHeight) {
        boxes.push(box);
      }
    }
    return boxes;
  }

  async function move(airing, cell, start) {
    const home = { parent: airing.parentNode, next: airing.nextSibling };
    // Shown where it was dropped while the server decides.
    cell.appendChild(airing);
    airing.setAttribute("aria-busy", "true");
    busy = true;
    let answer = null;
    try {
      const body = new FormData();
      body.append("start", start);
      const response = await fetch(airing.dataset.moveUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfInput.value, Accept: "application/json" },
      });
      if ((response.headers.get("Content-Type") || "").includes("json")) {
        answer = await response.json();
      }
    } catch (error) {
      answer = null;
    }
    airing.removeAttribute("aria-busy");
    busy = false;
    if (answer && answer.ok) {
      show(answer.message, false);
      await refreshGrid();
      return;
    }
    home.parent.insertBefore(airing, home.next);
    show(
      answer && answer.message
        ? `未能移动：${answer.message}`
        : "未能移动：与服务器的连接出了问题，请刷新页面后重试。",
      true,
    );
  }

  root.addEventListener("dragstart", (event) => {
    const airing = event.target.closest && event.target.closest("[data-move-url]");
    if (!airing || busy) {
      return;
    }
    dragged = airing;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", airing.dataset.airing);
    airing.classList.add("schedule-calendar__airing--dragging");
  });

  root.addEventListener("dragover", (event) => {
    const cell = dragged && event.target.closest("[data-drop-day]");
    if (!cell) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!cell.classList.contains("schedule-calendar__drop-target")) {
      clearTargets();
      cell.classList.add("schedule-calendar__drop-target");
    }
    cell.dataset.dropLabel = dropTime(cell, event.clientY);
  });

  root.addEventListener("drop", (event) => {
    const cell = dragged && event.target.closest("[data-drop-day]");
    if (!cell) {
      return;
    }
    event.preventDefault();
    const airing = dragged;
    const time = dropTime(cell, event.clientY);
    const start = `${cell.dataset.dropDay}T${time}`;
    clearTargets();
    const unchanged =
      airing.parentNode === cell && time === airing.dataset.localTime;
    if (!unchanged) {
      move(airing, cell, start);
    }
  });

  root.addEventListener("dragend", () => {
    if (dragged) {
      dragged.classList.remove("schedule-calendar__airing--dragging");
    }
    dragged = null;
    clearTargets();
  });
})();
