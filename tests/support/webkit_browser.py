#!/usr/bin/python3
"""A WebKitGTK browser for WebKitWebDriver: its data in a directory (``--profile=DIR``), or kept
in memory only (without it).

Debian's MiniBrowser keeps nothing under automation, and its toolbar makes the page at least
447 px wide; this window is a phone's 390×844. Run by Debian's python3 (it needs python3-gi and
gir1.2-webkit2-4.1), started by WebKitWebDriver with ``--automation``.
"""

import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

profile = next((arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("--profile=")), None)
if profile:
    manager = WebKit2.WebsiteDataManager(
        base_data_directory=f"{profile}/data", base_cache_directory=f"{profile}/cache"
    )
else:  # keeps nothing, like private browsing (and Debian's MiniBrowser under automation)
    manager = WebKit2.WebsiteDataManager.new_ephemeral()
context = WebKit2.WebContext(website_data_manager=manager)
context.set_automation_allowed("--automation" in sys.argv)


def create_view(_session):
    """A window with one web view, for the session to drive."""
    view = WebKit2.WebView(web_context=context, is_controlled_by_automation=True)
    window = Gtk.Window()
    window.set_default_size(390, 844)
    window.add(view)
    view.connect("close", lambda _view: window.destroy())
    window.show_all()
    return view


def started(_context, session):
    """Name the browser to the driver and let it open windows."""
    info = WebKit2.ApplicationInfo()
    info.set_name("WardwalkWebKit")
    info.set_version(
        WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version()
    )
    session.set_application_info(info)
    session.connect("create-web-view", create_view)


context.connect("automation-started", started)
Gtk.main()
