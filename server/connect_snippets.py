"""Ready-to-paste client code for "Connect a device", with the hub's address filled in.

One source for the window and the dashboard.  Each snippet connects, joins the room
``kitchen``, sends a ``message`` (JavaScript and Python a ``room_message`` too) as the hub
protocol (README, "The hub protocol") defines them, and prints what the others send, or
the hub's reason when it refuses the connect; none retries in a tight loop.
When the hub wants a token, the snippets carry ``TOKEN_PLACEHOLDER`` where it goes: the
token itself is never shown.  The JavaScript, Python and MicroPython snippets are run
against a live hub in the tests (tests/discovery/test_connect_snippets.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

TOKEN_PLACEHOLDER = "YOUR_HUB_TOKEN"
ROOM = "kitchen"


@dataclass(frozen=True)
class Snippet:
    """One platform's code: ``key`` is a stable id, ``title`` what a person reads."""

    key: str
    title: str
    language: str  # for syntax highlighting: javascript, python, cpp, c
    install: str  # one line: what to install first
    code: str


_JAVASCRIPT = Template("""\
const { io } = require("socket.io-client");

const socket = io("$url", {
  auth: { $js_token"name": "my-device" },
});

socket.on("connect", () => {
  console.log("connected as", socket.id);
  socket.emit("join", "$room", (answer) => {
    console.log("joined", answer.rooms);
    socket.emit("message", { text: "hello from JavaScript" });
    socket.emit("room_message", { room: "$room", data: "hello, $room" });
  });
});

// What the other clients send: { from: sid, room?: name, data: ... }
socket.on("message", (msg) => console.log("from", msg.from, msg.room || "", msg.data));
socket.on("connect_error", (error) => console.error("cannot connect:", error.message));
""")

_PYTHON = Template("""\
import asyncio

import socketio

HUB = "$url"
AUTH = {$py_token"name": "my-script"}


async def main():
    sio = socketio.AsyncClient()

    @sio.on("message")
    async def on_message(msg):
        # What the other clients send: {"from": sid, "room": name (optional), "data": ...}
        print("from", msg["from"], msg.get("room", ""), msg["data"])

    @sio.event
    async def connect_error(error):  # the hub's refusal, or why it cannot be reached
        print("cannot connect:", error["message"] if isinstance(error, dict) else error)

    try:
        await sio.connect(HUB, auth=AUTH)
    except socketio.exceptions.ConnectionError:
        return  # connect_error has said why
    print("connected as", sio.get_sid())  # the sid the hub shows
    answer = await sio.call("join", "$room")
    print("joined", answer["rooms"])
    await sio.emit("message", {"text": "hello from Python"})
    await sio.emit("room_message", {"room": "$room", "data": "hello, $room"})
    await sio.wait()


asyncio.run(main())
""")

_ARDUINO = Template("""\
#include <WiFi.h>
#include <ESPmDNS.h>
#include <ArduinoJson.h>
#include <SocketIOclient.h>  // arduinoWebSockets

const char *WIFI_SSID = "your-wifi";
const char *WIFI_PASSWORD = "your-password";
const char *AUTH = "{$c_token\\"name\\":\\"esp32\\"}";

SocketIOclient socketIO;

void emitEvent(JsonDocument &event) {  // ["name", argument]
  String text;
  serializeJson(event, text);
  socketIO.sendEVENT(text);
}

void onSocketIO(socketIOmessageType_t type, uint8_t *payload, size_t length) {
  if (type == sIOtype_CONNECT) {            // websocket open: join the hub, with auth
    socketIO.send(sIOtype_CONNECT, AUTH);
    // The library keeps the hub's "accepted" to itself: the join's ack (id 1) says it.
    socketIO.send(sIOtype_EVENT, "1[\\"join\\",\\"$room\\"]");
  } else if (type == sIOtype_ACK) {         // 1[{"ok": true, "rooms": [...]}]: we are in
    Serial.printf("joined: %.*s\\n", (int)length - 1, (const char *)payload + 1);
    JsonDocument message;
    message.add("message");
    message.add<JsonObject>()["text"] = "hello from an ESP32";
    emitEvent(message);
  } else if (type == sIOtype_ERROR) {       // refused: {"message": why}
    JsonDocument error;
    deserializeJson(error, payload, length);
    Serial.printf("cannot connect: %s\\n", error["message"] | "refused");
  } else if (type == sIOtype_DISCONNECT) {  // the library tries again, every 10 s
    Serial.println("hub lost");
  } else if (type == sIOtype_EVENT) {       // ["message", {"from": sid, "data": ...}]
    Serial.printf("%.*s\\n", (int)length, (const char *)payload);
  }
}

void setup() {
  Serial.begin(115200);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  while (WiFi.status() != WL_CONNECTED) delay(250);

  String host = "$host";
  uint16_t port = $port;
  // Or find the hub by mDNS instead of the fixed address above:
  MDNS.begin("esp32");
  if (MDNS.queryService("socketio", "tcp") > 0) {
    host = MDNS.IP(0).toString();
    port = MDNS.port(0);
  }
  socketIO.begin(host.c_str(), port, "/socket.io/?EIO=4");
  socketIO.onEvent(onSocketIO);
  socketIO.setReconnectInterval(10000);  // not the default 0.5 s: never flood the hub
}

void loop() { socketIO.loop(); }
""")

_ESP_IDF = Template("""\
// ESP-IDF: components espressif/mdns and espressif/esp_websocket_client.
// Call hub_connect() once Wi-Fi is up.
#include <stdio.h>
#include <string.h>
#include "esp_websocket_client.h"
#include "mdns.h"

#define AUTH "{$c_token\\"name\\":\\"esp-idf\\"}"

static esp_websocket_client_handle_t client;

static void send_text(const char *text) {
    esp_websocket_client_send_text(client, text, strlen(text), portMAX_DELAY);
}

static void on_ws(void *arg, esp_event_base_t base, int32_t id, void *event_data) {
    esp_websocket_event_data_t *event = event_data;
    if (id == WEBSOCKET_EVENT_DISCONNECTED) printf("hub lost\\n");  // again in 10 s
    if (id != WEBSOCKET_EVENT_DATA || event->op_code != 1 || event->data_len < 1) return;
    const char *text = event->data_ptr;
    if (text[0] == '0') {                   // Engine.IO open: join the hub, with auth
        send_text("40" AUTH);
    } else if (text[0] == '2') {            // ping: answer pong
        send_text("3");
    } else if (strncmp(text, "40", 2) == 0) {  // the hub accepted us
        send_text("42[\\"join\\",\\"$room\\"]");
        send_text("42[\\"message\\",{\\"text\\":\\"hello from ESP-IDF\\"}]");
    } else if (strncmp(text, "44", 2) == 0) {  // refused: {"message": why}
        printf("cannot connect: %.*s\\n", event->data_len - 2, text + 2);
    } else if (strncmp(text, "42", 2) == 0) {  // ["message", {"from": sid, "data": ...}]
        printf("%.*s\\n", event->data_len - 2, text + 2);
    }
}

void hub_connect(void) {
    char uri[128];
    snprintf(uri, sizeof uri, "ws://$host:$port/socket.io/?EIO=4&transport=websocket");
    // Or find the hub by mDNS instead of the fixed address above:
    mdns_result_t *found = NULL;
    mdns_init();
    if (mdns_query_ptr("_socketio", "_tcp", 3000, 1, &found) == ESP_OK && found
        && found->addr) {
        snprintf(uri, sizeof uri, "ws://" IPSTR ":%u/socket.io/?EIO=4&transport=websocket",
                 IP2STR(&found->addr->addr.u_addr.ip4), found->port);
    }
    mdns_query_results_free(found);

    // Lost (or refused, then let go by the hub): try again every 10 s, never faster.
    esp_websocket_client_config_t config = {.uri = uri, .reconnect_timeout_ms = 10000};
    client = esp_websocket_client_init(&config);
    esp_websocket_register_events(client, WEBSOCKET_EVENT_ANY, on_ws, NULL);
    esp_websocket_client_start(client);
}
""")

_MICROPYTHON = Template("""\
# MicroPython (ESP32): Engine.IO long-polling over the built-in requests module.
import json
import time
import requests

HUB = "$url/socket.io/?EIO=4&transport=polling"
AUTH = {$py_token"name": "micropython"}
RETRY_SECONDS = 5  # between tries while the hub is away: slow, so it is never flooded


def get(url):
    answer = requests.get(url)
    if answer.status_code != 200:  # 400 "Session ID unknown": the hub ended the session
        raise OSError("hub answered %d %s" % (answer.status_code, answer.text))
    return answer.text.split("\\x1e")  # several packets in one poll


def post(url, packet):
    requests.post(url, data=packet, headers={"Content-Type": "text/plain"}).close()


def emit(url, event, data):
    post(url, "42" + json.dumps([event, data]))


def session():
    \"\"\"One Engine.IO session, until the hub ends it; False if the hub refused us.\"\"\"
    opened = json.loads(get(HUB)[0][1:])  # "0{sid, pingInterval, ...}"
    url = HUB + "&sid=" + opened["sid"]
    post(url, "40" + json.dumps(AUTH))
    while True:
        for packet in get(url):
            if packet.startswith("40"):  # the hub accepted us
                emit(url, "join", "$room")
                emit(url, "message", {"text": "hello from MicroPython"})
            elif packet.startswith("44"):  # refused: {"message": why}
                print("cannot connect:", json.loads(packet[2:])["message"])
                post(url, "1")  # close the session: trying again would be refused too
                return False
            elif packet.startswith("41"):  # disconnected on purpose (the dashboard)
                print("disconnected by the hub")
                post(url, "1")
                return False
            elif packet == "1":  # the hub closed the session: it stops or restarts
                print("the hub closed the session")
                return True
            elif packet == "2":  # ping: answer pong
                post(url, "3")
            elif packet.startswith("42"):  # ["message", {"from": sid, "data": ...}]
                print(json.loads(packet[2:]))


while True:
    try:
        if not session():
            break
    except OSError as error:  # the hub or the Wi-Fi is away
        print("hub lost:", error)
    time.sleep(RETRY_SECONDS)
""")

_PLATFORMS = (
    ("javascript", "JavaScript (Node.js)", "javascript",
     "npm install socket.io-client@4", _JAVASCRIPT),
    ("python", "Python", "python", 'pip install "python-socketio[asyncio_client]"', _PYTHON),
    ("arduino", "ESP32 Arduino", "cpp",
     "Libraries: WebSockets by Markus Sattler (arduinoWebSockets), ArduinoJson 7",
     _ARDUINO),
    ("esp-idf", "ESP-IDF", "c",
     "idf.py add-dependency espressif/mdns; idf.py add-dependency "
     "espressif/esp_websocket_client", _ESP_IDF),
    ("micropython", "MicroPython", "python", "Nothing: requests is built in", _MICROPYTHON),
)


def _host_in_url(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def snippets(address: str, port: int, auth_required: bool) -> list[Snippet]:
    """The snippets for a hub at ``address:port``; with ``TOKEN_PLACEHOLDER`` in the auth
    when ``auth_required``."""
    host = _host_in_url(address)
    token = f'"token": "{TOKEN_PLACEHOLDER}", ' if auth_required else ""
    values = {
        "url": f"http://{host}:{port}", "host": host, "port": port, "room": ROOM,
        "js_token": token, "py_token": token, "c_token": token.replace('"', '\\"'),
    }
    return [Snippet(key, title, language, install, template.substitute(values))
            for key, title, language, install, template in _PLATFORMS]
