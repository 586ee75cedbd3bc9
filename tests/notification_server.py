"""A stand-in desktop notification server (org.freedesktop.Notifications) for the app's
end-to-end test, on the session bus of DBUS_SESSION_BUS_ADDRESS: it prints each notification
as a JSON line on stdout and, for those that offer the default action, clicks it 0.8 s later
(ActionInvoked), as a person would. Python's dbus and GLib bindings (python3-dbus, python3-gi).
"""
import json

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
name = dbus.service.BusName(IFACE, bus)


class Notifications(dbus.service.Object):
    def __init__(self):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.last = 0

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        self.last += 1
        nid = self.last
        actions = [str(a) for a in actions]
        print(json.dumps({"id": nid, "app": str(app), "summary": str(summary), "body": str(body), "actions": actions}, ensure_ascii=False), flush=True)
        if "default" in actions:
            def click():
                self.ActionInvoked(dbus.UInt32(nid), "default")
                return False
            GLib.timeout_add(800, click)
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body"]

    @dbus.service.method(IFACE, out_signature="ssss")
    def GetServerInformation(self):
        return ("stand-in", "calame-tests", "1", "1.2")

    @dbus.service.method(IFACE, in_signature="u")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, dbus.UInt32(3))

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, key):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass


Notifications()
print("ready", flush=True)
GLib.MainLoop().run()
