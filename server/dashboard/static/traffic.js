// The Traffic view: the hub's journal live from /api/events/feed, with filters, pause,
// an entry's payload, and counts per event name.  Under a flood the page stays
// responsive: entries wait in a bounded queue, are drawn in batches once per animation
// frame, the table keeps at most MAX_ROWS, and whatever was dropped is counted and said.
// From the keyboard the journal is one stop in the Tab order: the arrow keys move between
// its rows, Enter opens one, Escape closes it.  Client strings only ever go through
// textContent.
import {
  $, clientLabel, entryClient, entrySummary, filtering, formatClock, getJson, goneOption,
  kindLabel, liveClients, query, recentEntries, refusedEvent,
} from "./traffic-api.js";
import {startClientActions} from "./traffic-actions.js";
import {startComposer} from "./traffic-composer.js";

const MAX_ROWS = 500; // rows in the table, and entries waiting to be drawn
const ROWS_PER_FRAME = 100;
const FILTER_DELAY_MS = 300;
const STATS_EVERY_MS = 2000;
const COLUMNS = ["Time", "Kind", "Client", "Event", "Details"];

const shown = new Map(); // seq -> entry, for the rows in the table
let queue = []; // entries received, not drawn yet (oldest first)
let lastSeq = 0; // newest entry taken from the API or the feed
let skipped = 0; // entries that came faster than the page draws them
let leftOut = 0; // entries past the MAX_ROWS newest that a paused view holds
let paused = false;
let feed = null;
let generation = 0; // which filters the feed in flight was opened for
let frame = 0;
let current = null; // the journal's row in the Tab order (the others are tabIndex -1)
let currentChosen = false; // by the user (arrows, Enter, a click); if not, the newest row

// -- the journal table -------------------------------------------------------------------

function newRow(entry) {
  const tr = document.createElement("tr");
  tr.dataset.seq = String(entry.seq);
  tr.dataset.kind = entry.kind;
  tr.tabIndex = -1;
  if (refusedEvent(entry)) tr.dataset.refused = "";
  const values = [formatClock(entry.time), kindLabel(entry), entryClient(entry),
    entry.event || "", entrySummary(entry)];
  values.forEach((value, index) => {
    const td = tr.insertCell();
    td.dataset.label = COLUMNS[index];
    td.textContent = value;
  });
  tr.cells[1].className = "kind";
  return tr;
}

function draw() {
  frame = 0;
  if (paused) {
    $("traffic-pause").textContent = queue.length ? `Resume (${queue.length} new)` : "Resume";
    return;
  }
  const batch = queue.splice(0, ROWS_PER_FRAME);
  const body = $("journal").tBodies[0];
  const rows = document.createDocumentFragment();
  for (let i = batch.length - 1; i >= 0; i--) { // newest on top
    shown.set(batch[i].seq, batch[i]);
    rows.append(newRow(batch[i]));
  }
  body.prepend(rows);
  while (body.rows.length > MAX_ROWS) {
    shown.delete(Number(body.lastElementChild.dataset.seq));
    body.lastElementChild.remove();
  }
  $("journal-empty").hidden = body.rows.length > 0;
  if (!currentChosen || !current?.isConnected) makeCurrent(body.rows[0], false);
  if (queue.length) schedule();
}

function makeCurrent(tr, chosen = true) {
  if (current) current.tabIndex = -1;
  current = tr || null;
  currentChosen = chosen && current !== null;
  if (current) current.tabIndex = 0;
}

const MOVES = {
  ArrowDown: (tr) => tr.nextElementSibling,
  ArrowUp: (tr) => tr.previousElementSibling,
  Home: (tr) => tr.parentElement.firstElementChild,
  End: (tr) => tr.parentElement.lastElementChild,
};

function onJournalKey(event) {
  const tr = event.target.closest("tr[data-seq]");
  if (!tr) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    openRow(tr);
  } else if (MOVES[event.key]) {
    event.preventDefault();
    const next = MOVES[event.key](tr);
    if (next) {
      makeCurrent(next);
      next.focus();
    }
  }
}

function openRow(tr) {
  const entry = tr && shown.get(Number(tr.dataset.seq));
  if (!entry) return;
  makeCurrent(tr);
  showEntry(entry);
}

// Hides the entry and gives the focus back to its row, where a keyboard user left off.
function closeEntry() {
  $("entry").hidden = true;
  const seq = $("entry-seq").dataset.seq;
  const row = $("journal").querySelector(`tr[data-seq="${seq}"]`) || current;
  if (row) {
    makeCurrent(row);
    row.focus({preventScroll: true});
  }
}

function schedule() {
  if (!frame) frame = requestAnimationFrame(draw);
}

function sayDropped() {
  const note = $("traffic-skipped");
  note.textContent = [
    skipped && `${skipped} entries skipped: they came faster than this page shows them.`,
    leftOut && `${leftOut} entries left out while paused: a paused view holds the newest ` +
      `${MAX_ROWS}.`,
  ].filter(Boolean).join(" ");
  note.hidden = !skipped && !leftOut;
}

function countSkipped(count) {
  skipped += count;
  sayDropped();
}

function take(entry) {
  if (entry.seq <= lastSeq) return; // already had it (backfill and feed overlap)
  lastSeq = entry.seq;
  queue.push(entry);
  if (queue.length > MAX_ROWS) {
    const dropped = queue.splice(0, queue.length - MAX_ROWS).length;
    if (paused) leftOut += dropped; else skipped += dropped;
    sayDropped();
  }
  schedule();
}

function clearJournal() {
  queue = [];
  shown.clear();
  $("journal").tBodies[0].replaceChildren();
  $("journal-empty").hidden = false;
  skipped = 0;
  leftOut = 0;
  sayDropped();
}

// -- the feed ----------------------------------------------------------------------------

function filters() {
  return {sid: $("tf-sid").value, room: $("tf-room").value.trim(),
    event: $("tf-event").value.trim(), kind: $("tf-kind").value, q: $("tf-q").value.trim()};
}

function setState(state, text) {
  const pill = $("traffic-state");
  pill.dataset.state = state;
  pill.textContent = text;
}

function onMessage(event) {
  const item = JSON.parse(event.data);
  if (typeof item.seq === "number") take(item);
  else if (typeof item.skipped === "number") countSkipped(item.skipped);
}

// Opens the feed for the current filters, then fetches what it missed: the newest entries
// at first, what came since the last one seen after a reconnect.  Until that answer is in,
// the feed's entries wait, so the table stays in seq order.
function openFeed() {
  const mine = ++generation;
  feed?.close();
  lastSeq = 0;
  clearJournal();
  const wanted = filters();
  $("journal-empty").textContent = filtering(wanted) ? "No matching traffic." : "No traffic yet.";
  $("traffic-export").href = "/api/events/export" + query(wanted);
  const early = [];
  let catchingUp = false;
  feed = new EventSource("/api/events/feed" + query(wanted));
  const receive = (event) => (catchingUp ? early.push(event) : onMessage(event));
  feed.addEventListener("entry", receive);
  feed.addEventListener("skipped", receive);
  feed.addEventListener("error", () => setState("down", "Reconnecting…"));
  feed.addEventListener("open", async () => {
    catchingUp = true;
    try {
      const missed = await recentEntries(wanted, MAX_ROWS, lastSeq);
      if (mine !== generation) return;
      missed.forEach(take);
      setState("live", "Live");
    } catch (error) {
      if (mine === generation) setState("down", `Journal unavailable (${error.message})`);
    } finally {
      catchingUp = false;
      early.splice(0).forEach(onMessage);
    }
  });
}

function debounce(action, delay) {
  let timer = 0;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(action, delay);
  };
}

// -- one entry's details -----------------------------------------------------------------

const ENTRY_FIELDS = ["kind", "client", "sid", "ip", "namespace", "event", "room", "target",
  "skip_sid", "recipients", "ack", "reason", "transport", "size"];

function showEntry(entry) {
  const items = [["time", new Date(entry.time).toISOString()]];
  for (const key of ENTRY_FIELDS) {
    if (entry[key] !== null && entry[key] !== undefined && entry[key] !== false) {
      items.push([key, String(entry[key])]);
    }
  }
  $("entry-fields").replaceChildren(...items.flatMap(([key, value]) => {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = key;
    dd.textContent = value;
    return [dt, dd];
  }));
  $("entry-seq").textContent = `#${entry.seq}`;
  $("entry-seq").dataset.seq = String(entry.seq);
  let payload = "(no payload)";
  if (entry.truncated) {
    payload = `(cut: the first part of ${entry.size} bytes)\n${entry.args}`;
  } else if (entry.args !== null && entry.args !== undefined) {
    payload = JSON.stringify(entry.args, null, 2);
  }
  $("entry-payload").textContent = payload;
  $("entry").hidden = false;
  $("entry").scrollIntoView({block: "nearest"}); // below the journal on a phone
  for (const tr of $("journal").tBodies[0].querySelectorAll("tr.selected")) {
    tr.classList.remove("selected");
  }
  $("journal").querySelector(`tr[data-seq="${entry.seq}"]`)?.classList.add("selected");
}

// -- counts per event name ---------------------------------------------------------------

async function refreshStats() {
  let data;
  try {
    data = await getJson("/api/events/stats");
  } catch {
    return; // the next tick tries again
  }
  const events = data.events;
  const rows = events.map((e) => {
    const tr = document.createElement("tr");
    const cells = [e.event, e.in, e.in_per_second.toFixed(1), e.out, e.out_per_second.toFixed(1)];
    cells.forEach((value, index) => {
      const td = tr.insertCell();
      td.dataset.label = ["Event", "In", "In / s", "Out", "Out / s"][index];
      td.textContent = String(value);
    });
    return tr;
  });
  $("event-stats").tBodies[0].replaceChildren(...rows);
  $("stats-empty").hidden = rows.length > 0;
  $("stats-empty").textContent = data.enabled ? "No events yet."
    : "The inspector is off (setting inspector): nothing is recorded.";
  $("known-events").replaceChildren(...events.map((e) => new Option("", e.event)));
}

// -- clients and rooms in the pickers ----------------------------------------------------

// Keeps the chosen value even when its client has gone, so a filter never changes by
// itself.
function fillSelect(select, options, keep) {
  const chosen = select.value;
  const items = [...select.options].slice(0, keep);
  for (const [value, label] of options) items.push(new Option(label, value));
  if (chosen && !items.some((o) => o.value === chosen)) items.push(goneOption(select, chosen));
  select.replaceChildren(...items);
  select.value = chosen;
}

async function refreshPickers() {
  let live;
  try {
    live = await liveClients();
  } catch {
    return;
  }
  fillSelect($("tf-sid"), live.clients.map((c) => [c.sid, clientLabel(c)]), 1);
  $("known-rooms").replaceChildren(...live.rooms.map(([room]) => new Option("", room)));
  document.dispatchEvent(new CustomEvent("traffic:clients", {detail: live}));
}

// -- views -------------------------------------------------------------------------------

let feedStarted = false;
let statsTimer = 0;

function showView(view) {
  document.querySelector("main").dataset.view = view;
  for (const tab of $("views").querySelectorAll("a[data-view]")) {
    if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  clearInterval(statsTimer);
  if (view !== "traffic") return;
  if (!$("details").hidden) $("close-details").click(); // the clients view's pane
  if (!feedStarted) {
    feedStarted = true;
    openFeed();
  }
  refreshPickers();
  refreshStats();
  statsTimer = setInterval(() => document.hidden || refreshStats(), STATS_EVERY_MS);
}

function start() {
  for (const note of document.querySelectorAll("#traffic .needs-js")) note.remove();
  $("views").hidden = false;
  $("views").addEventListener("click", (event) => {
    const tab = event.target.closest("a[data-view]");
    if (!tab) return;
    event.preventDefault();
    history.replaceState(null, "", "#" + tab.dataset.view);
    showView(tab.dataset.view);
  });
  $("traffic-filters").addEventListener("submit", (event) => event.preventDefault());
  const typed = debounce(openFeed, FILTER_DELAY_MS);
  $("traffic-filters").addEventListener("input", (event) => {
    if (event.target.tagName === "SELECT") openFeed(); else typed();
  });
  $("tf-sid").addEventListener("focus", refreshPickers);
  $("traffic-pause").addEventListener("click", () => {
    paused = !paused;
    $("traffic-pause").setAttribute("aria-pressed", String(paused));
    $("traffic-pause").textContent = paused ? "Resume" : "Pause";
    schedule();
  });
  $("traffic-clear").addEventListener("click", clearJournal);
  $("journal").tBodies[0].addEventListener("click", (event) => {
    openRow(event.target.closest("tr[data-seq]"));
  });
  $("journal").tBodies[0].addEventListener("keydown", onJournalKey);
  $("entry-close").addEventListener("click", closeEntry);
  document.addEventListener("keydown", (event) => {
    const within = $("entry").contains(event.target) || $("journal").contains(event.target);
    if (event.key === "Escape" && !$("entry").hidden && within) closeEntry();
  });
  startComposer({refreshPickers, showView});
  startClientActions();
  showView(location.hash === "#traffic" ? "traffic" : "clients");
}

start();
