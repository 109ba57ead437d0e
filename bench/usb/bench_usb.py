#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`intake-bench usb`'s measuring half: runs under umockdev-wrapper, owns the testbed (through
Tests/DiagnosticsTests/Support/usb_testbed.py) and measures, from each device's "add" uevent (the driver's CLOCK_MONOTONIC
as umockdev's add call returns, just after the uevent left: up to ~0.2 ms late, so the floor's figure can be
slightly negative) to the event a program prints:

  - the agent (`intake-agent devices --watch --json --timestamps`): the classified `arrived` with strings;
  - the floor (bench/usb/hotplug_floor.c): libusb's hotplug callback doing nothing;
both watching side by side, so `after_floor_*` is the agent's own time per event, exact on one clock,

for one device at a time and for eight plugged at once on a hub, and both programs' CPU use while idle.
`testbed_add` is the testbed's own time to write a device's sysfs files and send its uevent (not included).
Prints one JSON object. Usage: bench_usb.py --agent PATH --floor PATH [--rounds N] [--idle-seconds S]
"""
import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "DiagnosticsTests", "Support"))
import usb_testbed  # noqa: E402

ROOT_SYSPATH = "/devices/pci0000:00/0000:00:14.0/usb1"


def le16(value):
    return bytes([value & 0xFF, value >> 8])


def device_descriptor(vendor, product, device_class=0, protocol=0, strings=(1, 2, 3)):
    return (bytes([18, 0x01]) + le16(0x0200) + bytes([device_class, 0, protocol, 64]) + le16(vendor) + le16(product)
            + le16(0x0400) + bytes(strings) + bytes([1]))


def interface(number, triple, endpoints):
    return bytes([9, 0x04, number, 0, len(endpoints)]) + bytes(triple) + bytes([0]) + b"".join(endpoints)


def endpoint(address, transfer, max_packet=512, interval=0):
    return bytes([7, 0x05, address, transfer]) + le16(max_packet) + bytes([interval])


def configuration(body):
    count = sum(1 for chunk in body if chunk[1] == 0x04)
    rest = b"".join(body)
    return bytes([9, 0x02]) + le16(9 + len(rest)) + bytes([count, 1, 0, 0x80, 250]) + rest


# A Samsung phone with MTP, a CDC ACM modem (its functional descriptors left out) and ADB; a hub.
SAMSUNG = device_descriptor(0x04E8, 0x6860) + configuration([
    interface(0, (0x06, 0x01, 0x01), [endpoint(0x81, 2), endpoint(0x01, 2), endpoint(0x82, 3, 28, 6)]),
    interface(1, (0x02, 0x02, 0x01), [endpoint(0x84, 3, 16, 9)]),
    interface(2, (0x0A, 0x00, 0x00), [endpoint(0x83, 2), endpoint(0x02, 2)]),
    interface(3, (0xFF, 0x42, 0x01), [endpoint(0x85, 2), endpoint(0x03, 2)]),
])
HUB = device_descriptor(0x1D6B, 0x0002, device_class=0x09, protocol=1) + configuration([
    interface(0, (0x09, 0x00, 0x00), [endpoint(0x81, 3, 4, 12)]),
])


def add_command(ident, port_path, devnum, descriptors, sysfs_strings):
    ports = port_path.split("-", 1)[1].split(".") if port_path != "usb1" else []
    syspath = ROOT_SYSPATH + "".join("/1-" + ".".join(ports[:i + 1]) for i in range(len(ports)))
    attributes = {"bConfigurationValue": "1", "speed": "480"}
    strings = {"1": "SAMSUNG", "2": "SAMSUNG_Android", "3": "R58M%06d" % devnum}
    if sysfs_strings:
        attributes.update({"manufacturer": strings["1"], "product": strings["2"], "serial": strings["3"]})
    return {"op": "add", "id": ident, "syspath": syspath, "bus": 1, "devnum": devnum, "attributes": attributes,
            "binary": {"descriptors": descriptors.hex()}, "strings": strings, "string_mode": "answer"}


class Program:
    """A program under test inside the testbed, its stdout read on a thread."""

    def __init__(self, argv):
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            with self.cond:
                self.lines.append(line.strip())
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def next(self, timeout=20):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.lines:
                left = deadline - time.monotonic()
                if left <= 0 or not self.cond.wait(left):
                    raise TimeoutError("no output from %s" % self.process.args[0])
            line = self.lines.pop(0)
        if line is None:
            raise EOFError("%s exited" % self.process.args[0])
        return line

    def cpu_ticks(self):
        with open("/proc/%d/stat" % self.process.pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def parse_agent(line):
    event = json.loads(line)
    return event["event"], event["address"], event["monotonic_ns"], event


def parse_floor(line):
    kind, _bus, address, stamp = line.split()
    return kind, int(address), int(stamp), None


def summary(samples_ns):
    ms = sorted(s / 1e6 for s in samples_ns)
    if not ms:
        return None
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(p95, 3), "samples": len(ms)}


def next_event(program, parse, kind, address):
    got_kind, got_address, stamp, event = parse(program.next())
    if (got_kind, got_address) != (kind, address):
        raise AssertionError("%s: expected %s %d, got %s %d" % (program.process.args[0], kind, address, got_kind, got_address))
    return stamp, event


def measure(testbed, agent, floor, rounds, next_devnum):
    """Both programs watch the same events. For each arrival: the floor's callback and the agent's classified
    event, from the uevent (driver's stamp) and the agent's lead over the floor (same event, same clock)."""
    samples = {"floor_one": [], "agent_one": [], "extra_one": [], "floor_eight": [], "agent_eight": [],
               "extra_eight": [], "agent_eight_all": [], "floor_eight_all": [], "testbed_add": []}

    def arrival(address, t_uevent, suffix):
        floor_stamp, _ = next_event(floor, parse_floor, "arrived", address)
        agent_stamp, event = next_event(agent, parse_agent, "arrived", address)
        if event["kind"] != "android-adb" or event["serial"] is None:
            raise AssertionError("agent reported %r" % event)
        samples["floor_" + suffix].append(floor_stamp - t_uevent)
        samples["agent_" + suffix].append(agent_stamp - t_uevent)
        samples["extra_" + suffix].append(agent_stamp - floor_stamp)
        return floor_stamp, agent_stamp

    for _ in range(rounds):
        devnum = next_devnum()
        reply = testbed.run(add_command("one", "1-1", devnum, SAMSUNG, True))
        samples["testbed_add"].append(reply["t_ns"] - reply["t_before_ns"])
        arrival(devnum, reply["t_ns"], "one")
        testbed.run({"op": "remove", "id": "one"})
        next_event(floor, parse_floor, "left", devnum)
        next_event(agent, parse_agent, "left", devnum)
    for _ in range(rounds):
        commands = [add_command("p%d" % i, "1-2.%d" % (i + 1), next_devnum(), SAMSUNG, True) for i in range(8)]
        results = testbed.run({"op": "batch", "ops": commands})["results"]
        first = min(r["t_ns"] for r in results)
        # Arrivals come in uevent order for the floor; the agent may finish them in any order.
        floor_stamps, agent_stamps = {}, {}
        for command, result in zip(commands, results):
            stamp, _ = next_event(floor, parse_floor, "arrived", command["devnum"])
            floor_stamps[command["devnum"]] = stamp
            samples["floor_eight"].append(stamp - result["t_ns"])
        t_of = {c["devnum"]: r["t_ns"] for c, r in zip(commands, results)}
        for _ in commands:
            kind, address, stamp, event = parse_agent(agent.next())
            if kind != "arrived" or address not in t_of or event["serial"] is None:
                raise AssertionError("agent reported %r" % event)
            agent_stamps[address] = stamp
            samples["agent_eight"].append(stamp - t_of[address])
            samples["extra_eight"].append(stamp - floor_stamps[address])
        samples["agent_eight_all"].append(max(agent_stamps.values()) - first)
        samples["floor_eight_all"].append(max(floor_stamps.values()) - first)
        testbed.run({"op": "batch", "ops": [{"op": "remove", "id": "p%d" % i} for i in range(8)]})
        for command in commands:
            next_event(floor, parse_floor, "left", command["devnum"])
        for _ in commands:
            assert parse_agent(agent.next())[0] == "left"
    return {
        "agent": {"one_device": summary(samples["agent_one"]), "eight_at_once": summary(samples["agent_eight"]),
                  "eight_all_arrived": summary(samples["agent_eight_all"]),
                  "after_floor_one": summary(samples["extra_one"]),
                  "after_floor_eight": summary(samples["extra_eight"]),
                  "testbed_add": summary(samples["testbed_add"])},
        "floor": {"one_device": summary(samples["floor_one"]), "eight_at_once": summary(samples["floor_eight"]),
                  "eight_all_arrived": summary(samples["floor_eight_all"]),
                  "testbed_add": summary(samples["testbed_add"])},
    }


def idle_cpu(program, seconds):
    hz = os.sysconf("SC_CLK_TCK")
    before, start = program.cpu_ticks(), time.monotonic()
    time.sleep(seconds)
    ticks, elapsed = program.cpu_ticks() - before, time.monotonic() - start
    return {"cpu_percent": round(100.0 * ticks / hz / elapsed, 3), "seconds": round(elapsed, 1),
            "cpu_seconds": round(ticks / hz, 3)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--agent", required=True)
    parser.add_argument("--floor", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=10)
    args = parser.parse_args()

    testbed = usb_testbed.Testbed()
    testbed.run(add_command("usb1", "usb1", 1, HUB, True))
    testbed.run(add_command("hub", "1-2", 2, HUB, True))
    # Addresses are reused after an unplug, as a real host controller does.
    devnums = itertools.cycle(range(10, 128))
    results = {"rounds": args.rounds}

    floor = Program([args.floor])
    assert floor.next() == "ready"
    agent = Program([args.agent, "devices", "--watch", "--json", "--timestamps"])
    time.sleep(1.0)  # let the agent register its callback; an early device would be enumerated anyway
    results.update(measure(testbed, agent, floor, args.rounds, lambda: next(devnums)))
    idle = {}
    threads = [threading.Thread(target=lambda p=p, n=n: idle.__setitem__(n, idle_cpu(p, args.idle_seconds)))
               for p, n in ((agent, "agent"), (floor, "floor"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results["agent"]["idle"], results["floor"]["idle"] = idle["agent"], idle["floor"]
    agent.stop()
    floor.stop()
    print(json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
