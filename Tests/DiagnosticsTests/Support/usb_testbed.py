#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Owns a umockdev testbed of emulated USB devices and answers their usbdevfs ioctls.

Run under the umockdev preload (`umockdev-wrapper /usr/bin/python3 usb_testbed.py`): the process that owns
the testbed must be preloaded so that adding a device sends its "add" uevent. Programs under test run as
separate processes with LD_PRELOAD=libumockdev-preload.so.0 and UMOCKDEV_DIR=<root> (printed at start).

Commands arrive on stdin, one JSON object per line; each gets one JSON reply line on stdout:
  {"op": "add", "id": ..., "syspath": "/devices/.../usb1/1-2", "bus": 1, "devnum": 5,
   "attributes": {name: text}, "binary": {name: hex}, "properties": {NAME: value},
   "strings": {"1": "Samsung", ...}, "string_mode": "answer" | "fail" | "silent" | "hold"}
  {"op": "remove", "id": ...}          "remove" uevent, then the device's sysfs entries go
  {"op": "batch", "ops": [...]}        several commands back to back (eight phones in the same second)
  {"op": "await_request", "id": ...}   returns once the host has asked the device for a string
  {"op": "bridge", "id": ..., "out": 3, "in": 133, "tcp": "127.0.0.1:PORT", "framing": "stream" | "adb"}
                                        bulk OUT/IN endpoints joined to a TCP peer (the adbd simulator);
                                        "adb" sends each message's header and payload as separate IN transfers
  {"op": "modem", "id": ..., "interface": "1-2:1.1", "tty": "ttyACM0", "relay": "/dev/pts/N"}
                                        the tty cdc_acm makes of a CDC ACM modem interface (sysfs and /dev node,
                                        a pseudo-terminal), relayed to the tty "relay" (the modem simulator's)
  {"op": "quit"}
Replies to "add" carry "t_before_ns" and "t_ns": CLOCK_MONOTONIC before the device's files were written and
right after its "add" uevent went out; the uevent leaves between the two (the benchmark's start time).

Control transfers: GET_DESCRIPTOR(STRING) is answered from "strings" according to "string_mode": "answer"
replies, "fail" stalls (-EPIPE), "silent" never completes (the host times out and discards), "hold" keeps
the request pending until the device is removed, which completes it with -ESHUTDOWN as the kernel does.
Bulk endpoints go through an `EndpointHandler` (see `TcpBridge`): the hook for emulating a device's own
protocol over its bulk interface.
"""
import json
import os
import select
import socket
import struct
import sys
import threading
import time
import tty

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402

ENODEV, ENOENT, EPIPE, EAGAIN, ENOTTY, ESHUTDOWN, EINVAL, ENODATA = 19, 2, 32, 11, 25, 108, 22, 61

# usbdevfs ioctl numbers ('U', nr) from <linux/usbdevice_fs.h>.
NR_CONTROL, NR_BULK, NR_SETINTERFACE, NR_SETCONFIGURATION = 0, 2, 4, 5
NR_SUBMITURB, NR_DISCARDURB, NR_REAPURB, NR_REAPURBNDELAY = 10, 11, 12, 13
NR_CLAIMINTERFACE, NR_RELEASEINTERFACE, NR_CONNECTINFO, NR_IOCTL = 15, 16, 17, 18
NR_RESET, NR_CLEAR_HALT, NR_DISCONNECT, NR_CONNECT = 20, 21, 22, 23
NR_GET_CAPABILITIES, NR_DISCONNECT_CLAIM, NR_ALLOC_STREAMS, NR_GET_SPEED = 26, 27, 28, 31

URB_TYPE_CONTROL, URB_TYPE_BULK, URB_TYPE_INTERRUPT = 2, 3, 1
URB_SIZE = 56  # sizeof(struct usbdevfs_urb) on 64-bit Linux, without iso frames
URB_STATUS, URB_BUFFER, URB_BUFFER_LENGTH, URB_ACTUAL_LENGTH = 4, 16, 24, 28
CAP_ZERO_PACKET, CAP_NO_PACKET_SIZE_LIM = 0x01, 0x04


def monotonic_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


class Urb:
    """One submitted URB: its resolved struct and buffer, and the answer once there is one."""

    def __init__(self, client_addr, data, buffer, urb_type, endpoint, length):
        self.client_addr = client_addr
        self.data = data
        self.buffer = buffer
        self.type = urb_type
        self.endpoint = endpoint
        self.length = length
        self.status = None  # set when complete
        self.payload = b""
        self.offset = 0  # where payload goes in the buffer (8 for control: after the setup packet)

    def finish(self, status, payload=b""):
        self.status = status
        self.payload = payload


class EndpointHandler:
    """The hook for a bulk endpoint. `out` gets what the host wrote; `take_in(n)` returns up to n bytes for
    the host, or None while there is nothing to give (the URB stays pending)."""

    def out(self, data):
        pass

    def take_in(self, max_length):
        return None

    def close(self):
        pass


class TcpBridge(EndpointHandler):
    """Joins a device's bulk OUT and IN endpoints to a TCP peer: what the host writes goes to the socket,
    what the socket sends becomes the host's reads. Connects an emulated USB phone to the adbd simulator.

    framing "stream": each IN transfer takes whatever has arrived (up to its length).
    framing "adb": the peer's byte stream is cut into ADB messages and, as adbd does over USB, each message's
    24-byte header and its payload go as two separate IN transfers (the payload length is the header's
    little-endian word at offset 12)."""

    ADB_HEADER = 24

    def __init__(self, address, framing="stream"):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.framing = framing
        self.lock = threading.Lock()
        self.pending = bytearray()  # bytes from the peer not yet cut into transfers
        self.transfers = []  # whole IN transfers ready for the host ("adb" framing)
        self.closed = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            with self.lock:
                if not chunk:
                    self.closed = True
                    return
                self.pending += chunk
                if self.framing == "adb":
                    self._cut_adb_messages()

    def _cut_adb_messages(self):
        while len(self.pending) >= self.ADB_HEADER:
            length = struct.unpack_from("<I", self.pending, 12)[0]
            if len(self.pending) < self.ADB_HEADER + length:
                return
            self.transfers.append(bytes(self.pending[:self.ADB_HEADER]))
            if length:
                self.transfers.append(bytes(self.pending[self.ADB_HEADER:self.ADB_HEADER + length]))
            del self.pending[:self.ADB_HEADER + length]

    def out(self, data):
        self.sock.sendall(data)

    def take_in(self, max_length):
        with self.lock:
            if self.framing == "adb":
                if not self.transfers:
                    return None
                chunk = self.transfers[0][:max_length]
                self.transfers[0] = self.transfers[0][max_length:]
                if not self.transfers[0]:
                    self.transfers.pop(0)
                return chunk
            if not self.pending:
                return None
            chunk = bytes(self.pending[:max_length])
            del self.pending[:max_length]
            return chunk

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class TtyRelay:
    """Joins an emulated tty's pseudo-terminal (the testbed's master end of what the program under test opens as
    /dev/ttyACM0) to another tty, such as the modem simulator's pseudo-terminal: bytes flow both ways unchanged."""

    def __init__(self, master_fd, peer_path):
        self.master = master_fd
        self.peer = os.open(peer_path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.peer)
        self.stopped = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while not self.stopped.is_set():
            try:
                ready, _, _ = select.select([self.master, self.peer], [], [], 0.05)
            except (OSError, ValueError):
                return
            for source in ready:
                target = self.peer if source == self.master else self.master
                try:
                    data = os.read(source, 4096)
                except OSError:
                    data = b""
                if not data:
                    time.sleep(0.02)  # the program closed its end (EIO until it opens it again)
                    continue
                try:
                    os.write(target, data)
                except OSError:
                    pass

    def close(self):
        self.stopped.set()
        try:
            os.close(self.peer)
        except OSError:
            pass


class UsbDevice:
    """The far end of one emulated device node: string descriptors and bulk endpoints."""

    def __init__(self, spec):
        self.spec = spec
        self.strings = {int(k): v for k, v in spec.get("strings", {}).items()}
        self.string_mode = spec.get("string_mode", "answer")
        self.gone = False
        self.endpoints = {}  # endpoint address -> EndpointHandler
        self.string_requested = threading.Event()  # set when the host first asks for a string


class UsbdevfsHandler:
    """Answers usbdevfs ioctls for one device node; `device` is swapped when a node is reused."""

    def __init__(self):
        self.lock = threading.Lock()
        self.device = None
        self.urbs = []  # submitted, not yet reaped (answered or pending)
        self.base = UMockdev.IoctlBase()
        self.base.connect("handle-ioctl", self.handle)

    def handle(self, _base, client):
        request = client.get_request()
        if (request >> 8) & 0xFF != ord("U"):
            client.complete(-1, ENOTTY)
            return True
        nr, size = request & 0xFF, (request >> 16) & 0x3FFF
        with self.lock:
            return self._handle(client, nr, size)

    def _handle(self, client, nr, size):
        device = self.device
        if device is None or (device.gone and nr not in (NR_REAPURB, NR_REAPURBNDELAY, NR_DISCARDURB)):
            client.complete(-1, ENODEV)
            return True
        if nr == NR_GET_CAPABILITIES:
            client.get_arg().resolve(0, 4).update(0, struct.pack("<I", CAP_ZERO_PACKET | CAP_NO_PACKET_SIZE_LIM))
            client.complete(0, 0)
        elif nr == NR_GET_SPEED:
            client.complete(3, 0)  # USB_SPEED_HIGH
        elif nr in (NR_CLAIMINTERFACE, NR_RELEASEINTERFACE, NR_SETINTERFACE, NR_SETCONFIGURATION,
                    NR_CLEAR_HALT, NR_RESET, NR_CONNECT, NR_DISCONNECT_CLAIM):
            client.complete(0, 0)
        elif nr in (NR_DISCONNECT, NR_IOCTL):
            client.complete(-1, ENODATA)  # no kernel driver is bound to any interface
        elif nr == NR_SUBMITURB:
            self._submit(client, device, size)
        elif nr == NR_DISCARDURB:
            addr = struct.unpack("<Q", bytes(client.get_arg().retrieve())[:8])[0]
            for urb in self.urbs:
                if urb.client_addr == addr and urb.status is None:
                    urb.finish(-ENOENT)
                    client.complete(0, 0)
                    break
            else:
                client.complete(-1, EINVAL)
        elif nr in (NR_REAPURB, NR_REAPURBNDELAY):
            self._reap(client, device)
        else:
            client.complete(-1, ENOTTY)
        return True

    def _submit(self, client, device, size):
        arg = client.get_arg()
        addr = struct.unpack("<Q", bytes(arg.retrieve())[:8])[0]
        data = arg.resolve(0, size)
        raw = bytes(data.retrieve())
        urb_type, endpoint = raw[0], raw[1]
        length = struct.unpack_from("<i", raw, URB_BUFFER_LENGTH)[0]
        buffer = data.resolve(URB_BUFFER, length) if length > 0 else None
        urb = Urb(addr, data, buffer, urb_type, endpoint, length)
        if urb_type == URB_TYPE_CONTROL:
            self._control(device, urb, bytes(buffer.retrieve())[:8])
        elif urb_type in (URB_TYPE_BULK, URB_TYPE_INTERRUPT):
            handler = device.endpoints.get(endpoint)
            if handler is None:
                urb.finish(-EPIPE)
            elif endpoint & 0x80 == 0:
                handler.out(bytes(buffer.retrieve())[:length] if buffer else b"")
                urb.finish(0, b"")
                urb.payload_length = length
        else:
            urb.finish(-EPIPE)
        self.urbs.append(urb)
        client.complete(0, 0)

    def _control(self, device, urb, setup):
        request_type, request, value, index, length = struct.unpack("<BBHHH", setup)
        urb.offset = 8
        if request_type == 0x80 and request == 6 and value >> 8 == 3:  # GET_DESCRIPTOR(STRING)
            device.string_requested.set()
            if device.string_mode == "fail":
                urb.finish(-EPIPE)
            elif device.string_mode in ("silent", "hold"):
                pass  # stays pending: the host's timeout, or the unplug, ends it
            else:
                string_index = value & 0xFF
                if string_index == 0:
                    body = struct.pack("<H", 0x0409)
                elif string_index in device.strings:
                    body = device.strings[string_index].encode("utf-16-le")
                else:
                    urb.finish(-EPIPE)
                    return
                descriptor = bytes([2 + len(body), 3]) + body
                urb.finish(0, descriptor[:length])
        else:
            urb.finish(-EPIPE)

    def _reap(self, client, device):
        for urb in self.urbs:
            if urb.status is None and urb.type in (URB_TYPE_BULK, URB_TYPE_INTERRUPT) and urb.endpoint & 0x80:
                handler = device.endpoints.get(urb.endpoint)
                chunk = handler.take_in(urb.length) if handler else None
                if chunk is not None:
                    urb.finish(0, chunk)
            if urb.status is None and device.gone:
                urb.finish(-ESHUTDOWN)
            if urb.status is not None:
                self.urbs.remove(urb)
                if urb.payload and urb.buffer is not None:
                    urb.buffer.update(urb.offset, urb.payload)
                actual = getattr(urb, "payload_length", len(urb.payload))
                urb.data.update(URB_STATUS, struct.pack("<i", urb.status))
                urb.data.update(URB_ACTUAL_LENGTH, struct.pack("<i", actual))
                target = client.get_arg().resolve(0, 8)  # the host's `void *` the URB is reaped into
                target.set_ptr(0, urb.data)
                client.complete(0, 0)
                return
        client.complete(-1, ENODEV if device.gone else EAGAIN)



class Testbed:
    def __init__(self):
        self.tb = UMockdev.Testbed.new()
        self.handlers = {}  # devnode -> UsbdevfsHandler
        self.devices = {}  # id -> (syspath, devnode, UsbDevice)
        self.modems = {}  # id -> (TtyRelay, interface syspath, tty name)

    def add(self, cmd):
        bus, devnum = cmd["bus"], cmd["devnum"]
        devnode = "/dev/bus/usb/%03d/%03d" % (bus, devnum)
        device = UsbDevice(cmd)
        handler = self.handlers.get(devnode)
        if handler is None:
            handler = UsbdevfsHandler()
            self.tb.attach_ioctl(devnode, handler.base)
            self.handlers[devnode] = handler
        with handler.lock:
            handler.device = device
            handler.urbs = []
        lines = ["P: " + cmd["syspath"], "N: " + devnode[len("/dev/"):]]
        properties = {"SUBSYSTEM": "usb", "DEVTYPE": "usb_device", "DEVNAME": devnode,
                      "BUSNUM": "%03d" % bus, "DEVNUM": "%03d" % devnum}
        properties.update(cmd.get("properties", {}))
        lines += ["E: %s=%s" % item for item in properties.items()]
        attributes = {"busnum": str(bus), "devnum": str(devnum)}
        attributes.update(cmd.get("attributes", {}))
        # sysfs text attributes end with a newline, as the kernel writes them.
        lines += ["A: %s=%s\\n" % item for item in attributes.items()]
        lines += ["H: %s=%s" % item for item in cmd.get("binary", {}).items()]
        t_before = monotonic_ns()
        self.tb.add_from_string("\n".join(lines) + "\n")  # writes sysfs and /dev, then sends the "add" uevent
        t_ns = monotonic_ns()
        self.devices[cmd["id"]] = (cmd["syspath"], devnode, device)
        return {"ok": True, "id": cmd["id"], "t_before_ns": t_before, "t_ns": t_ns}

    def remove(self, cmd):
        syspath, devnode, device = self.devices.pop(cmd["id"])
        self._remove_modem(cmd["id"])
        self.tb.uevent("/sys" + syspath, "remove")
        t_ns = monotonic_ns()
        handler = self.handlers[devnode]
        with handler.lock:
            device.gone = True
            for endpoint in device.endpoints.values():
                endpoint.close()
        self.tb.remove_device("/sys" + syspath)
        return {"ok": True, "id": cmd["id"], "t_ns": t_ns}

    def await_request(self, cmd):
        """Waits until the host has asked the device for a string (so an unplug lands mid-read)."""
        _, _, device = self.devices[cmd["id"]]
        if not device.string_requested.wait(cmd.get("timeout", 10)):
            raise TimeoutError("the host never asked %s for its strings" % cmd["id"])
        return {"ok": True, "id": cmd["id"]}

    def bridge(self, cmd):
        _, devnode, device = self.devices[cmd["id"]]
        bridge = TcpBridge(cmd["tcp"], cmd.get("framing", "stream"))
        with self.handlers[devnode].lock:
            device.endpoints[cmd["out"]] = bridge
            device.endpoints[cmd["in"]] = bridge
        return {"ok": True, "id": cmd["id"]}

    def modem(self, cmd):
        """The tty the kernel's cdc_acm driver makes of a CDC ACM modem: the communications interface's sysfs entry
        (such as 1-2:1.1) with its tty child and /dev node, which umockdev backs with a pseudo-terminal; that
        terminal is relayed to the tty named "relay" (the modem simulator's)."""
        syspath, _, _ = self.devices[cmd["id"]]
        interface = syspath + "/" + cmd["interface"]
        name = cmd["tty"]
        self.tb.add_from_string("\n".join([
            "P: " + interface, "E: SUBSYSTEM=usb", "E: DEVTYPE=usb_interface", "E: DRIVER=cdc_acm",
            "A: bInterfaceClass=02\\n", "A: bInterfaceSubClass=02\\n", "A: bInterfaceProtocol=01\\n"]) + "\n")
        self.tb.add_from_string("\n".join([
            "P: %s/tty/%s" % (interface, name), "N: " + name, "E: SUBSYSTEM=tty", "E: DEVNAME=/dev/" + name,
            "E: MAJOR=166", "E: MINOR=%d" % cmd.get("minor", 0)]) + "\n")
        relay = TtyRelay(self.tb.get_dev_fd("/dev/" + name), cmd["relay"])
        self.modems[cmd["id"]] = (relay, interface, name)
        return {"ok": True, "id": cmd["id"], "tty": "/dev/" + name}

    def _remove_modem(self, device_id):
        entry = self.modems.pop(device_id, None)
        if entry is None:
            return
        relay, interface, name = entry
        relay.close()
        self.tb.remove_device("/sys%s/tty/%s" % (interface, name))
        self.tb.remove_device("/sys" + interface)

    def run(self, cmd):
        op = cmd["op"]
        if op == "add":
            return self.add(cmd)
        if op == "remove":
            return self.remove(cmd)
        if op == "await_request":
            return self.await_request(cmd)
        if op == "bridge":
            return self.bridge(cmd)
        if op == "modem":
            return self.modem(cmd)
        if op == "batch":
            return {"ok": True, "results": [self.run(each) for each in cmd["ops"]]}
        raise ValueError("unknown op %r" % op)


def main():
    if os.environ.get("LD_PRELOAD", "").find("umockdev") < 0:
        print(json.dumps({"ok": False, "error": "run me under umockdev-wrapper"}), flush=True)
        return 2
    testbed = Testbed()
    print(json.dumps({"ok": True, "root": testbed.tb.get_root_dir()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        if cmd.get("op") == "quit":
            break
        try:
            reply = testbed.run(cmd)
        except Exception as error:  # one clear line back to the test instead of a dead driver
            reply = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
