// A client's details pane (drawn by dashboard.js): its recent traffic, and buttons to
// disconnect it, make it join or leave a room, or send it an event.  The pane is watched,
// not hooked: whichever client dashboard.js shows there (its sid in dd[data-key=sid]) is
// the one these act on.
import {$, entrySummary, formatClock, kindLabel, postJson, recentEntries} from "./traffic-api.js";

const RECENT_SHOWN = 20;
const REFRESH_EVERY_MS = 3000;

let sid = null;
let timer = 0;

function shownSid() {
  if ($("details").hidden) return null;
  const text = $("details").querySelector("dd[data-key='sid']")?.textContent.trim();
  return text && text !== "-" ? text : null;
}

async function refreshTraffic() {
  const asked = sid;
  let entries;
  try {
    entries = await recentEntries({sid: asked}, RECENT_SHOWN);
  } catch {
    return;
  }
  if (asked !== sid) return;
  const items = entries.reverse().map((entry) => {
    const item = document.createElement("li");
    const head = document.createElement("span");
    head.className = "muted";
    head.textContent = `${formatClock(entry.time)} ${kindLabel(entry)} `;
    const event = document.createElement("strong");
    event.textContent = entry.event || "";
    item.append(head, event, " ", entrySummary(entry));
    return item;
  });
  $("client-traffic").replaceChildren(...items);
  $("client-traffic-empty").hidden = items.length > 0;
}

function say(text) {
  $("client-action-result").textContent = text;
  $("client-action-result").hidden = !text;
}

function follow() {
  const now = shownSid();
  if (now === sid) return;
  sid = now;
  clearInterval(timer);
  $("client-actions").hidden = !sid;
  say("");
  if (!sid) return;
  $("client-traffic").replaceChildren();
  refreshTraffic();
  timer = setInterval(() => document.hidden || refreshTraffic(), REFRESH_EVERY_MS);
}

const clientPath = (action) => `/api/clients/${encodeURIComponent(sid)}/${action}`;

async function disconnect() {
  const answer = await postJson(clientPath("disconnect"), {});
  say(answer.ok ? "Disconnected." : `Error: ${answer.error}`);
}

async function changeRoom(event) {
  event.preventDefault();
  const action = event.submitter?.value === "leave" ? "leave" : "join";
  const room = $("client-room").value.trim();
  if (!room) return;
  const answer = await postJson(clientPath("rooms"), {[action]: room});
  say(answer.ok ? `Rooms: ${(answer.rooms || []).join(", ") || "none"}` : `Error: ${answer.error}`);
  refreshTraffic();
}

export function startClientActions() {
  new MutationObserver(follow).observe($("details"), {
    attributes: true, attributeFilter: ["hidden"], childList: true, subtree: true,
    characterData: true,
  });
  $("client-disconnect").addEventListener("click", disconnect);
  $("client-room-form").addEventListener("submit", changeRoom);
  $("client-send").addEventListener("click", () => {
    const name = $("details").querySelector("dd[data-key='name']")?.textContent || "";
    const detail = {sid, label: `${name} · ${sid}`};
    $("close-details").click();
    document.dispatchEvent(new CustomEvent("traffic:compose", {detail}));
  });
  follow();
}
