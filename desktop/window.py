"""The main window: the live table of clients, where to reach the hub, and its log.

It reads the hub only through ``HubController`` and the table model; every command it
offers beyond the table's own is one of the shared ``AppActions``.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .actions import AppActions
from .background import run_in_background
from .client_actions import ClientActions
from .client_details import ClientDetails
from .clients_table import ClientsTable
from .connect_dialog import ConnectDialog
from .connections_model import SID_ROLE, ConnectionsFilter, ConnectionsModel
from .controller import HubController, State
from .empty_note import EmptyTableNote
from .icons import state_icon
from .log_panel import LogPanel
from .qr import qr_pixmap
from .traffic_view import TrafficView
from .window_banners import ErrorBanner, LoopbackNotice

CLUSTER_REFRESH_MS = 1000
"""How often the status bar looks at the cluster's state (no signal says it changed)."""

class MainWindow(QMainWindow):
    """The connected clients, the hub's addresses and QR code, its state and log."""

    hiddenToTray = Signal()
    """The user closed the window and it only hid: the app runs on in the tray."""
    composeRequested = Signal(dict)
    """Open the composer on this target (``{"sid": sid}``, as ``/api/emit``'s ``to``)."""

    def __init__(self, controller: HubController, model: ConnectionsModel,
                 actions: AppActions, *, hide_on_close: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = model
        self.app_actions = actions
        self.hide_on_close = hide_on_close
        self.row_menu: QMenu | None = None
        self.details: dict[str, ClientDetails] = {}
        self.connect_dialog: ConnectDialog | None = None
        self._suggested_port: int | None = None
        self._qr_text: str | None = None
        self.setWindowTitle("socketio-tray")
        self.resize(1100, 640)

        self._build_menu()
        self.banner = self._make_banner()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name, sid, address, transport or room")
        self.filter.setClearButtonEnabled(True)
        self.proxy = ConnectionsFilter(model, self)
        self.filter.textChanged.connect(self.proxy.set_query)
        self.table = self._make_table()
        self.empty_note = EmptyTableNote(self.table, self.proxy)
        self.log_panel = LogPanel()
        self.client_actions = ClientActions(controller, self)
        self.traffic = TrafficView(controller)
        self.tabs = QTabWidget()
        self._build_central(self._make_clients_pane(), self._make_side_pane())
        self._build_status_bar()
        self._make_find_shortcut()

        controller.stateChanged.connect(self.refresh)
        controller.discoveryChanged.connect(self._show_discovery)
        actions.connect_device.triggered.connect(self.show_connect_dialog)
        self.client_actions.trafficRequested.connect(self.show_traffic_of)
        self.client_actions.composeRequested.connect(self.composeRequested)
        for view in (self.client_actions, self.traffic):
            view.message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset,
                       self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._refresh_count)
        self.refresh()

    # -- building the window -------------------------------------------------------------

    def _build_menu(self) -> None:
        actions = self.app_actions
        server_menu = self.menuBar().addMenu("&Server")
        for action in (actions.start_stop, actions.settings, actions.open_dashboard,
                       actions.copy_address, actions.connect_device):
            server_menu.addAction(action)
        server_menu.addSeparator()
        server_menu.addAction(actions.quit)

    def _make_banner(self) -> ErrorBanner:
        banner = ErrorBanner()
        banner.hide()
        banner.use_port.clicked.connect(self._use_suggested_port)
        banner.settings.clicked.connect(self.app_actions.settings.trigger)
        return banner

    def _make_clients_pane(self) -> QWidget:
        """The filter above the table of clients."""
        clients = QWidget()
        layout = QVBoxLayout(clients)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        return clients

    def _make_side_pane(self) -> QWidget:
        """Where to reach the hub: its addresses, a copy button and the QR code."""
        self.addresses = QListWidget()
        self.addresses.setToolTip("Double-click an address to copy it")
        self.addresses.itemDoubleClicked.connect(lambda item: self.copy_text(item.text()))
        copy_button = QPushButton("Copy address")
        copy_button.clicked.connect(self._copy_selected_address)
        self.loopback_notice = LoopbackNotice()
        self.loopback_notice.open_to_lan.clicked.connect(self._let_lan_devices_connect)
        self.discovery_label = QLabel()
        # It quotes the announced name, chosen in the settings or made from the host name.
        self.discovery_label.setTextFormat(Qt.TextFormat.PlainText)
        self.discovery_label.setWordWrap(True)
        connect_button = QPushButton("Connect a device…")
        connect_button.clicked.connect(self.app_actions.connect_device.trigger)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_caption = QLabel()
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_caption.setWordWrap(True)

        side = QWidget()
        layout = QVBoxLayout(side)
        layout.addWidget(QLabel("<b>Reach this hub at</b>"))
        layout.addWidget(self.addresses)
        layout.addWidget(copy_button)
        layout.addWidget(self.loopback_notice)
        layout.addWidget(self.discovery_label)
        layout.addWidget(connect_button)
        layout.addWidget(self.qr)
        layout.addWidget(self.qr_caption)
        layout.addStretch(1)
        return side

    def _build_central(self, clients: QWidget, side: QWidget) -> None:
        """The banner over the tabs (the clients and the side pane, the traffic), the log
        below them."""
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(clients)
        top.addWidget(side)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        self.add_tab(top, "&Clients")
        self.add_tab(self.traffic, "&Traffic")
        self._tab_filters = {top: self.filter, self.traffic: self.traffic.text_filter}
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(self.tabs)
        body.addWidget(self.log_panel)
        body.setStretchFactor(0, 4)
        body.setStretchFactor(1, 1)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(body, 1)
        self.setCentralWidget(central)

    def _make_find_shortcut(self) -> None:
        """The platform's Find key (Ctrl+F) puts the keyboard in the filter of the tab in
        front; the filters' tooltips say so."""
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_filter)
        keys = find.key().toString(QKeySequence.SequenceFormat.NativeText)
        for field in self._tab_filters.values():
            field.setToolTip(f"{field.placeholderText()} ({keys})")

    def focus_filter(self) -> None:
        field = self._tab_filters.get(self.tabs.currentWidget())
        if field is not None:
            field.setFocus(Qt.FocusReason.ShortcutFocusReason)
            field.selectAll()

    def add_tab(self, widget: QWidget, title: str) -> None:
        """A view of its own beside Clients and Traffic."""
        self.tabs.addTab(widget, title)

    def add_dock(self, dock: QDockWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> None:
        """A panel docked beside the tabs (the user may float or close it)."""
        self.addDockWidget(area, dock)

    def _build_status_bar(self) -> None:
        self.state_label = QLabel()
        self.count_label = QLabel()
        self.cluster_label = QLabel()
        self.cluster_label.setTextFormat(Qt.TextFormat.PlainText)
        self.lan_label = QLabel()
        for label in (self.state_label, self.count_label, self.cluster_label):
            self.statusBar().addWidget(label)
        self.statusBar().addPermanentWidget(self.lan_label)
        # Redis going away or a node falling silent changes no row: looked at each second.
        self._cluster_timer = QTimer(self)
        self._cluster_timer.setInterval(CLUSTER_REFRESH_MS)
        self._cluster_timer.timeout.connect(self._show_cluster)

    def _make_table(self) -> ClientsTable:
        table = ClientsTable(self.proxy)
        table.rowMenuRequested.connect(self._show_row_menu)
        # Enter as well as a double click (or a single one where the platform says so).
        table.activated.connect(lambda index: self.show_details(index.data(SID_ROLE)))
        return table

    # -- the table's context menu --------------------------------------------------------

    def _show_row_menu(self, sid: str, where: QPoint) -> None:
        menu = QMenu(self)
        menu.addActions(self.client_actions.actions_for(sid, menu))
        menu.addSeparator()
        details = menu.addAction("Details…")
        details.triggered.connect(lambda: self.show_details(sid))
        copy = menu.addAction("Copy SID")
        copy.triggered.connect(lambda: self.copy_text(sid))
        self.row_menu = menu
        menu.popup(where)

    def show_details(self, sid: str) -> ClientDetails:
        """The client's details pane: one per client, brought forward if already open."""
        pane = self.details.get(sid)
        if pane is None:
            pane = ClientDetails(self.controller.clients, sid, self.client_actions, self)
            pane.destroyed.connect(lambda: self.details.pop(sid, None))
            self.details[sid] = pane
        pane.show()
        pane.raise_()
        pane.activateWindow()
        return pane

    def show_traffic_of(self, sid: str) -> None:
        """The Traffic tab, showing only this client's entries."""
        self.traffic.show_client(sid)
        self.tabs.setCurrentWidget(self.traffic)
        self.bring_forward()

    # -- keeping up with the hub ---------------------------------------------------------

    def refresh(self) -> None:
        """Show the server's state: icon, status bar, addresses, QR code and banner."""
        controller = self.controller
        state = controller.state
        self.setWindowIcon(state_icon(state))
        if state is State.RUNNING:
            self.state_label.setText(f"Running on port {controller.port}")
        else:
            self.state_label.setText(f"Server {state.value}")
        self._show_reach(controller)

        self.addresses.clear()
        self.addresses.addItems(controller.urls)
        row_height = self.addresses.fontMetrics().height() + 6
        self.addresses.setFixedHeight(max(1, self.addresses.count()) * row_height + 8)
        # A phone cannot open a loopback address: no QR code for one.
        self._show_qr(None if controller.loopback_only else controller.dashboard_url())
        self._show_error(controller)
        self._refresh_count()

    def _show_reach(self, controller: HubController) -> None:
        """Who can reach the hub: the LAN addresses, or this computer only."""
        if controller.loopback_only:
            host = controller.settings.host
            self.lan_label.setText(f"LAN: not served (listening on {host} only)")
            self.loopback_notice.message.setText(
                f"Only this computer can reach the hub: it listens on {host}. Phones and "
                "other devices on your network cannot connect.")
        else:
            lan = controller.lan_addresses()
            self.lan_label.setText("LAN: " + (", ".join(lan) if lan else "no network"))
        self.loopback_notice.setVisible(controller.loopback_only)
        self._show_discovery()

    def _show_discovery(self) -> None:
        self.discovery_label.setText(self.controller.discovery_status())

    def _refresh_count(self) -> None:
        count = self.model.rowCount()
        clients = f"{count} client{'' if count == 1 else 's'}"
        if self.filter.text().strip():
            self.count_label.setText(f"{self.proxy.rowCount()} of {clients} shown")
        else:
            self.count_label.setText(f"{clients} connected")
        self._show_cluster()

    def _show_cluster(self) -> None:
        """``cluster: 3 nodes up, …`` or ``cluster: Redis unreachable since …``; nothing
        for a single hub."""
        status = self.controller.cluster_status()
        self.cluster_label.setVisible(status is not None)
        self.cluster_label.setText(status or "")
        if status is None:
            self._cluster_timer.stop()
        elif not self._cluster_timer.isActive():
            self._cluster_timer.start()

    def _show_qr(self, url: str | None) -> None:
        if url == self._qr_text:
            return
        self._qr_text = url
        if url is None:
            self.qr.clear()
            self.qr_caption.setText("")
            return
        self.qr.setPixmap(qr_pixmap(url))
        # The code carries the token; the caption does not show it to onlookers.
        self.qr_caption.setText(f"Scan to open the dashboard:\n{url.split('?')[0]}")

    def _show_error(self, controller: HubController) -> None:
        if controller.state is not State.ERROR:
            self.banner.hide()
            return
        self.banner.message.setText(f"The server is not running: {controller.error}")
        self._suggested_port = controller.suggest_free_port()
        self.banner.use_port.setVisible(self._suggested_port is not None)
        self.banner.use_port.setText(f"Use port {self._suggested_port}")
        self.banner.show()

    def _use_suggested_port(self) -> None:
        """Restart on the free port, and keep it: the next launch would hit the busy one."""
        if self._suggested_port is None:
            return
        problem = self.controller.remember_port(self._suggested_port)
        if problem is not None:
            self.statusBar().showMessage(f"The port could not be saved: {problem}", 10_000)
        settings = self.controller.settings.model_copy(update={"port": self._suggested_port})
        run_in_background(self.controller.restart(settings))

    def _let_lan_devices_connect(self) -> None:
        """Listen on every interface, kept for the next launch (restarts the hub)."""
        self.loopback_notice.open_to_lan.setEnabled(False)
        run_in_background(self._open_to_lan())

    async def _open_to_lan(self) -> None:
        try:
            await self.controller.open_to_lan()
        finally:
            self.loopback_notice.open_to_lan.setEnabled(True)

    def show_connect_dialog(self) -> None:
        """"Connect a device" over the window, opened once and brought forward after."""
        self.bring_forward()
        if self.connect_dialog is None:
            self.connect_dialog = ConnectDialog(self.controller, self)
        self.connect_dialog.show()
        self.connect_dialog.raise_()
        self.connect_dialog.activateWindow()

    # -- small commands ------------------------------------------------------------------

    def copy_text(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage(f"Copied {text}", 3000)

    def _copy_selected_address(self) -> None:
        item = self.addresses.currentItem() or self.addresses.item(0)
        if item is not None:
            self.copy_text(item.text())

    def bring_forward(self) -> None:
        """Show, un-minimise and raise the window (tray click, second launch)."""
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        """With a tray, closing only hides; without one it is the way to quit."""
        event.ignore()
        if self.hide_on_close:
            self.hide()
            self.hiddenToTray.emit()
        else:
            self.app_actions.quit.trigger()
