// The composer: send an event to a client, a room or everyone through POST /api/emit, and
// show the hub's answer (recipients, the client's ack, or the error).  The arguments are
// checked with JSON.parse as they are typed: a syntax error is shown inline and nothing
// is sent.  A JSON array is the argument list; any other value is the single argument.
import {$, clientLabel, goneOption, postJson} from "./traffic-api.js";

// {args} or {error}: what the text in the arguments box sends.
export function parseArguments(text) {
  if (!text.trim()) return {args: []};
  try {
    const value = JSON.parse(text);
    return {args: Array.isArray(value) ? value : [value]};
  } catch (error) {
    return {error: `Not valid JSON: ${error.message}`};
  }
}

function showArgumentsError(message) {
  const note = $("compose-args-error");
  note.textContent = message || "";
  note.hidden = !message;
  $("compose-args").setAttribute("aria-invalid", String(Boolean(message)));
}

function target() {
  const value = $("compose-target").value;
  const [kind, ...rest] = value.split(":");
  const name = rest.join(":");
  if (kind === "sid") return {sid: name};
  if (kind === "room") return {room: name};
  return {all: true};
}

function updateAckControls() {
  const toClient = "sid" in target();
  $("compose-ack").disabled = !toClient;
  $("compose-timeout").disabled = !toClient || !$("compose-ack").checked;
}

function showResult(text, ack) {
  $("compose-result").hidden = false;
  $("compose-status").textContent = text;
  const pre = $("compose-ack-value");
  pre.hidden = ack === undefined;
  pre.textContent = ack === undefined ? "" : JSON.stringify(ack, null, 2);
}

async function send(event) {
  event.preventDefault();
  const parsed = parseArguments($("compose-args").value);
  showArgumentsError(parsed.error);
  const name = $("compose-event").value.trim();
  if (parsed.error) return;
  if (!name) {
    showResult("Give the event a name.");
    return;
  }
  const body = {event: name, args: parsed.args, to: target()};
  const waiting = !$("compose-ack").disabled && $("compose-ack").checked;
  if (waiting) body.ack_timeout = Number($("compose-timeout").value) || 5;
  $("compose-send").disabled = true;
  showResult(waiting ? "Sent; waiting for the ack…" : "Sending…");
  try {
    const answer = await postJson("/api/emit", body);
    if (!answer.ok) {
      showResult(`Error: ${answer.error}`);
    } else {
      const count = answer.recipients === 1 ? "1 client" : `${answer.recipients} clients`;
      showResult("ack" in answer ? `Sent to ${count}; ack:` : `Sent to ${count}.`, answer.ack);
    }
  } finally {
    $("compose-send").disabled = false;
  }
}

// The target list: everyone, each live client, each room; the chosen target stays, with
// its label, even when its client has gone (the hub then says so).
function fillTargets({clients, rooms}) {
  const select = $("compose-target");
  const chosen = select.value;
  const gone = chosen && goneOption(select, chosen);
  const group = (label, options) => {
    const optgroup = document.createElement("optgroup");
    optgroup.label = label;
    optgroup.append(...options.map(([value, text]) => new Option(text, value)));
    return optgroup;
  };
  const everyone = new Option("everyone", "all:");
  const known = [everyone,
    group("Clients", clients.map((c) => [`sid:${c.sid}`, clientLabel(c)])),
    group("Rooms", rooms.map(([room, members]) => [`room:${room}`, `${room} (${members})`]))];
  select.replaceChildren(...known);
  if (chosen && ![...select.options].some((o) => o.value === chosen)) select.append(gone);
  select.value = chosen || "all:";
  updateAckControls();
}

export function startComposer({refreshPickers, showView}) {
  document.addEventListener("traffic:clients", (event) => fillTargets(event.detail));
  $("compose-target").addEventListener("focus", refreshPickers);
  $("compose-target").addEventListener("change", updateAckControls);
  $("compose-ack").addEventListener("change", updateAckControls);
  $("compose-args").addEventListener("input", () => {
    showArgumentsError(parseArguments($("compose-args").value).error);
  });
  $("compose-form").addEventListener("submit", send);
  updateAckControls();
  // "Send an event…" in a client's details: this client, in the composer, ready to type.
  document.addEventListener("traffic:compose", async (event) => {
    const value = `sid:${event.detail.sid}`;
    showView("traffic");
    await refreshPickers();
    const select = $("compose-target");
    if (![...select.options].some((o) => o.value === value)) {
      select.append(new Option(event.detail.label, value));
    }
    select.value = value;
    updateAckControls();
    $("composer").open = true;
    $("composer").scrollIntoView({block: "start"});
    $("compose-event").focus();
  });
}
