/* mtaudit report: sorting and filtering on the index; navigation and repair decisions on document
 * pages. No inline handlers anywhere (the pages' CSP forbids them); the page's data comes from the
 * inert <script type="application/json" id="page-data"> tag. Decisions live in localStorage under
 * "mtaudit-decisions:<run key>" and export as decisions.json (format mtaudit-decisions/1). */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("page-data").textContent);
  const KEY = "mtaudit-decisions:" + data.run_key;

  function loadState() {
    try {
      const state = JSON.parse(window.localStorage.getItem(KEY) || "null");
      if (state && typeof state === "object" && state.documents) return state;
    } catch (err) { /* storage disabled or corrupt: start empty */ }
    return { documents: {} };
  }

  function saveState(state) {
    state.run = data.run;
    try {
      window.localStorage.setItem(KEY, JSON.stringify(state));
    } catch (err) {
      setStatus("Decisions cannot be saved in this browser (storage unavailable): export them before leaving.");
    }
  }

  function setStatus(text) {
    const el = document.getElementById("review-status");
    if (el) el.textContent = text;
  }

  function exportDecisions() {
    const state = loadState();
    const documents = {};
    Object.keys(state.documents).sort().forEach(function (docId) {
      const doc = state.documents[docId];
      const decisions = Object.values(doc.decisions || {}).sort(function (a, b) {
        return a.start - b.start || a.end - b.end;
      });
      if (!decisions.length && !doc.reviewed) return;
      documents[docId] = { doc_hash: doc.doc_hash, reviewed: !!doc.reviewed, decisions: decisions };
    });
    const payload = {
      format: "mtaudit-decisions/1",
      exported: new Date().toISOString(),
      run: data.run,
      documents: documents,
    };
    const blob = new Blob([JSON.stringify(payload, null, 2) + "\n"], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = "decisions.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    const n = Object.keys(documents).length;
    setStatus("Exported " + n + " document" + (n === 1 ? "" : "s") + ".");
  }

  const exportButton = document.getElementById("export");
  if (exportButton) exportButton.addEventListener("click", exportDecisions);

  function typing(event) {
    const t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  /* ---------------- index ---------------- */
  // A table's rows a page at a time: the page size is the table's data-page-size, the controls
  // are the #ID-prev, #ID-at and #ID-next elements inside #ID-pages. Rows off the page are hidden,
  // so the browser lays out only the page, whatever the corpus size.
  function pager(table, id) {
    const size = parseInt(table.dataset.pageSize, 10) || 1000000;
    const box = document.getElementById(id + "-pages");
    const at = document.getElementById(id + "-at");
    const prev = document.getElementById(id + "-prev");
    const next = document.getElementById(id + "-next");
    let list = [];
    let page = 0;
    let onPage = Array.from(table.tBodies[0].rows).filter(function (row) { return !row.hidden; });

    function render() {
      const count = Math.max(1, Math.ceil(list.length / size));
      page = Math.min(Math.max(page, 0), count - 1);
      const lo = page * size;
      const hi = Math.min(lo + size, list.length);
      onPage.forEach(function (row) { row.hidden = true; });
      onPage = list.slice(lo, hi);
      onPage.forEach(function (row) { row.hidden = false; });
      if (!box) return;
      box.hidden = count <= 1;
      at.textContent = "page " + (page + 1) + " of " + count + " (" + (hi ? lo + 1 : 0) + "–" + hi + ")";
      prev.disabled = page === 0;
      next.disabled = page >= count - 1;
    }
    if (box) {
      prev.addEventListener("click", function () { page -= 1; render(); });
      next.addEventListener("click", function () { page += 1; render(); });
    }
    return { show: function (rows) { list = rows; page = 0; render(); } };
  }

  function initIndex() {
    const table = document.getElementById("documents");
    const tbody = table.tBodies[0];
    const rows = Array.from(tbody.rows);
    const headers = Array.from(table.tHead.rows[0].cells);
    const filter = document.getElementById("filter");
    const which = document.getElementById("filter-repair");
    const shown = document.getElementById("shown");
    const state = loadState();

    rows.forEach(function (row) {
      const doc = state.documents[row.dataset.docId];
      const cell = row.querySelector("td.reviewed");
      if (!doc || !cell) return;
      const n = Object.keys(doc.decisions || {}).length;
      const parts = [];
      if (doc.reviewed) parts.push("✓ reviewed");
      if (n) parts.push(n + " decision" + (n === 1 ? "" : "s"));
      cell.textContent = parts.join(", ");
      cell.dataset.value = (doc.reviewed ? "2" : "1") + String(n).padStart(6, "0");
      row.dataset.reviewed = doc.reviewed ? "yes" : "no";
    });

    headers.forEach(function (th, index) {
      if (!th.dataset.sort) return;
      th.addEventListener("click", function () {
        const ascending = !th.classList.contains("sorted-asc");
        headers.forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
        th.classList.add(ascending ? "sorted-asc" : "sorted-desc");
        const text = th.dataset.type === "text";
        const keyed = rows.map(function (row, i) {
          const raw = row.cells[index] ? row.cells[index].dataset.value || "" : "";
          return { row: row, i: i, key: text ? raw.toLowerCase() : parseFloat(raw) };
        });
        keyed.sort(function (a, b) {
          let c;
          if (text) c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
          else c = (isNaN(a.key) ? -Infinity : a.key) - (isNaN(b.key) ? -Infinity : b.key);
          return (ascending ? c : -c) || a.i - b.i;
        });
        order = keyed.map(function (k) { return k.row; });
        // Detached all at once, then put back in order: moving rows one by one out of a large
        // table costs Chromium time in proportion to the table, a second or more per sort.
        tbody.replaceChildren();
        const moved = document.createDocumentFragment();
        order.forEach(function (row) { moved.appendChild(row); });
        tbody.appendChild(moved);
        applyFilter();
      });
    });

    // Sorting and filtering apply to every document; only one page of the result is laid out,
    // because a browser takes tens of seconds to lay out and re-sort a table of 20,000 rows.
    let order = rows.slice();
    const documentPages = pager(table, "documents");
    const storyTable = document.getElementById("story-table");
    if (storyTable) pager(storyTable, "stories").show(Array.from(storyTable.tBodies[0].rows));

    function applyFilter() {
      const needle = filter.value.trim().toLowerCase();
      const mode = which.value;
      const matching = order.filter(function (row) {
        let show = !needle || row.dataset.search.indexOf(needle) !== -1;
        if (mode === "repair") show = show && row.dataset.repair === "yes";
        if (mode === "ok") show = show && row.dataset.repair === "no";
        if (mode === "unreviewed") show = show && row.dataset.reviewed !== "yes";
        return show;
      });
      const visible = matching.length;
      shown.textContent = visible === rows.length ? rows.length + " documents" : visible + " of " + rows.length;
      documentPages.show(matching);
    }
    filter.addEventListener("input", applyFilter);
    which.addEventListener("change", applyFilter);
    applyFilter();
  }

  /* ---------------- document page ---------------- */
  function initDocument() {
    const items = Array.from(document.querySelectorAll("li.finding-item"));
    const byId = {};
    data.findings.forEach(function (f) { byId[f.finding_id] = f; });
    const marksOf = {};
    Array.from(document.querySelectorAll("#text mark.finding")).forEach(function (mark) {
      mark.dataset.findingIds.split(" ").forEach(function (id) {
        (marksOf[id] = marksOf[id] || []).push(mark);
      });
    });
    const itemOf = {};
    items.forEach(function (li) { itemOf[li.dataset.findingId] = li; });
    let current = -1;

    function docState(state) {
      let doc = state.documents[data.doc_id];
      if (!doc || doc.doc_hash !== data.doc_hash) {
        doc = state.documents[data.doc_id] = { doc_hash: data.doc_hash, reviewed: false, decisions: {} };
      }
      return doc;
    }

    function activate(index, scrollText) {
      if (index < 0 || index >= items.length) return;
      document.querySelectorAll(".active").forEach(function (el) { el.classList.remove("active"); });
      current = index;
      const li = items[index];
      const id = li.dataset.findingId;
      li.classList.add("active");
      (marksOf[id] || []).forEach(function (m) { m.classList.add("active"); });
      const anchor = document.getElementById("f-" + id);
      if (anchor) anchor.classList.add("active");
      li.scrollIntoView({ block: "nearest" });
      if (scrollText && anchor) anchor.scrollIntoView({ block: "center" });
    }

    items.forEach(function (li, index) {
      li.addEventListener("click", function (event) {
        if (event.target.closest("button, input")) return;
        activate(index, true);
      });
    });

    document.getElementById("text").addEventListener("click", function (event) {
      const mark = event.target.closest("mark.finding");
      if (!mark) return;
      const ids = mark.dataset.findingIds.split(" ");
      // a second click on a piece that several findings cover cycles through them
      const at = current >= 0 ? ids.indexOf(items[current].dataset.findingId) : -1;
      const next = ids[(at + 1) % ids.length];
      activate(items.indexOf(itemOf[next]), false);
    });

    function render() {
      const state = loadState();
      const doc = docState(state);
      let accepted = 0, rejected = 0;
      items.forEach(function (li) {
        const decision = doc.decisions[li.dataset.findingId];
        li.classList.toggle("accepted", !!decision && decision.action === "accept");
        li.classList.toggle("rejected", !!decision && decision.action === "reject");
        if (decision && decision.action === "accept") accepted += 1;
        if (decision && decision.action === "reject") rejected += 1;
        const input = li.querySelector("input.edit");
        if (decision && decision.action === "accept" && document.activeElement !== input) {
          input.value = decision.replacement;
        }
        updateAcceptable(li);
      });
      Object.keys(marksOf).forEach(function (id) {
        const decision = doc.decisions[id];
        marksOf[id].forEach(function (m) {
          m.classList.toggle("accepted", !!decision && decision.action === "accept");
          m.classList.toggle("rejected", !!decision && decision.action === "reject");
        });
      });
      const reviewed = document.getElementById("mark-reviewed");
      reviewed.classList.toggle("on", !!doc.reviewed);
      reviewed.textContent = doc.reviewed ? "✓ Reviewed" : "Mark reviewed";
      const open = items.length - accepted - rejected;
      setStatus(accepted + " accepted · " + rejected + " rejected · " + open + " open");
      const decided = document.getElementById("decided");
      if (decided) decided.textContent = items.length ? (accepted + rejected) + " / " + items.length + " decided" : "";
    }

    function updateAcceptable(li) {
      const input = li.querySelector("input.edit");
      const accept = li.querySelector("button.accept");
      accept.disabled = input.dataset.noSuggestion === "1" && input.value === "";
    }

    function decide(li, action) {
      const id = li.dataset.findingId;
      const f = byId[id];
      const input = li.querySelector("input.edit");
      const state = loadState();
      const doc = docState(state);
      const previous = doc.decisions[id];
      if (previous && previous.action === action && action === "reject") {
        delete doc.decisions[id];  // clicking again undoes
      } else if (action === "accept" && input.dataset.noSuggestion === "1" && input.value === "") {
        return;
      } else if (previous && previous.action === "accept" && action === "accept" && previous.replacement === input.value) {
        delete doc.decisions[id];
      } else {
        const suggestion = f.suggestion === null ? null : f.suggestion;
        doc.decisions[id] = {
          finding_id: id, start: f.start, end: f.end, text: f.text, category: f.category,
          action: action,
          replacement: action === "accept" ? input.value : suggestion,
          edited: action === "accept" && input.value !== (suggestion === null ? "" : suggestion),
        };
      }
      saveState(state);
      render();
    }

    items.forEach(function (li) {
      li.querySelector("button.accept").addEventListener("click", function () { decide(li, "accept"); });
      li.querySelector("button.reject").addEventListener("click", function () { decide(li, "reject"); });
      const input = li.querySelector("input.edit");
      input.addEventListener("input", function () {
        updateAcceptable(li);
        const state = loadState();
        const decision = docState(state).decisions[li.dataset.findingId];
        if (decision && decision.action === "accept" && input.value !== decision.replacement) {
          const f = byId[li.dataset.findingId];
          decision.replacement = input.value;
          decision.edited = input.value !== (f.suggestion === null ? "" : f.suggestion);
          saveState(state);
        }
      });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { decide(li, "accept"); input.blur(); }
        if (event.key === "Escape") input.blur();
      });
    });

    document.getElementById("mark-reviewed").addEventListener("click", function () {
      const state = loadState();
      const doc = docState(state);
      doc.reviewed = !doc.reviewed;
      saveState(state);
      render();
    });

    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "n" || event.key === "j") activate(Math.min(items.length - 1, current + 1), true);
      else if (event.key === "p" || event.key === "k") activate(Math.max(0, current - 1), true);
      else if (event.key === "a" && current >= 0) decide(items[current], "accept");
      else if (event.key === "r" && current >= 0) decide(items[current], "reject");
      else return;
      event.preventDefault();
    });

    window.addEventListener("storage", function (event) { if (event.key === KEY) render(); });
    render();
    if (location.hash.indexOf("#f-") === 0) {
      const li = itemOf[location.hash.slice(3)];
      if (li) activate(items.indexOf(li), true);
    }
  }

  if (data.page === "index") initIndex();
  else if (data.page === "document") initDocument();
})();
