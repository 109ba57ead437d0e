// SPDX-License-Identifier: Apache-2.0
//
// `intake` at a terminal with an Android phone on emulated USB: the built agent on a pseudo-terminal (python3's
// pty module) inside the umockdev testbed, the phone bridged to the simulated adbd. Unplugged while the consultant
// is being asked, the session is cancelled and nothing is issued: the command watches libusb while it asks.

import DeviceSimulators
import Diagnostics
import Foundation
import Testing

extension ADBOverUSBTests {
    @Test func anAndroidPhoneUnpluggedWhileTheConsultantIsAskedGetsNoCertificate() async throws {
        try await withBench(.xiaomiRedmiNote10) { bed, dataDir, _, port in
            try bed.plug(.samsung, id: "phone", at: "1-7", devnum: 12)
            try bed.send(["op": "bridge", "id": "phone", "out": 0x03, "in": 0x85, "tcp": "127.0.0.1:\(port)", "framing": "adb"])
            // A pty whose terminal stays open when the test's standard input ends, and whose agent is killed with it
            // (SIGTERM from ChildProcess.stop). Only the agent runs under the umockdev preload (env puts it there),
            // not the terminal around it.
            let spawn = """
                import os, pty, signal, sys
                pid, fd = pty.fork()
                if pid == 0:
                    os.execv(sys.argv[1], sys.argv[1:])
                signal.signal(signal.SIGTERM, lambda *_: (os.kill(pid, signal.SIGKILL), os._exit(143)))
                while True:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        break
                    if not data:
                        break
                    os.write(1, data)
                sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
                """
            let inside = bed.environment.filter { ["LD_PRELOAD", "UMOCKDEV_DIR", "USBMUXD_SOCKET_ADDRESS"].contains($0.key) }
            var outside = bed.environment
            outside["LD_PRELOAD"] = nil
            let agent = try ChildProcess(
                executable: "/usr/bin/python3",
                arguments: ["-c", spawn, "/usr/bin/env"] + inside.map { "\($0.key)=\($0.value)" }.sorted() + [
                    try USBTestbed.agentBinary(), "intake", "--serial", "R58M123ABCD", "--data-dir", dataDir.path,
                    "--store", "ALA-MEGA2", "--language", "en",
                ],
                environment: outside, mergingStandardError: true)
            defer { agent.stop() }
            var seen = ""
            while let line = agent.lines.next(timeout: 60) {
                seen += line + "\n"
                if line.contains("Read:") { break }
            }
            try #require(seen.contains("Read:"), "the phone was not read: \(seen)")
            // The first question is on the screen now (its line has no line break yet).
            try await Task.sleep(for: .milliseconds(800))
            try bed.unplug("phone")
            let output = seen + agent.readAll(timeout: 20)
            #expect(agent.waitForExit(timeout: 10) == 1, "\(output)")
            #expect(output.contains("The phone was unplugged: the session is cancelled and no certificate is issued."), "\(output)")
            #expect(output.contains("[y/n]: "), "the consultant was being asked: \(output)")
            let list = try bed.runAgent(["certificate", "list", "--json", "--data-dir", dataDir.path])
            #expect(!list.output.contains("\"number\""), "\(list.output)")
        }
    }
}
