// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// `.ci/run` installs its packages itself (a fresh CI machine has nothing), README's first command runs
/// `scripts/install-deps`: the two lists must not drift apart.
@Suite("CI and install script")
struct CIScriptTests {
    static func packageRoot() -> URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir
    }

    static func words(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { " \n\t\\()\"".contains($0) }).map(String.init))
    }

    @Test func ciInstallsExactlyThePackagesOfInstallDeps() throws {
        let root = Self.packageRoot()
        let script = try String(contentsOf: root.appendingPathComponent("scripts/install-deps"), encoding: .utf8)
        let ci = try String(contentsOf: root.appendingPathComponent(".ci/run"), encoding: .utf8)
        // install-deps: the words of the `packages=( ... )` array, comments dropped.
        let body = try #require(script.components(separatedBy: "packages=(").last?.components(separatedBy: "\n)\n").first)
        let listed = Self.words(body.split(separator: "\n").map { $0.components(separatedBy: "#")[0] }.joined(separator: "\n"))
        // .ci/run: the words after `apt-get install -y --no-install-recommends` up to the end of that command.
        let install = try #require(ci.components(separatedBy: "--no-install-recommends").last?.components(separatedBy: "\nswift").first)
        let installed = Self.words(install)
        #expect(listed == installed, "only in install-deps: \(listed.subtracting(installed)); only in .ci/run: \(installed.subtracting(listed))")
        #expect(ci.contains("apt-get update"))
        #expect(ci.contains("swift test --no-parallel"))
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("swift test --no-parallel"))
    }

    /// README starts with the two commands that matter on a fresh Debian 12 machine, the same for root (who has no
    /// `sudo` there) and for a user (whom the script takes through `sudo` itself).
    @Test func readmeStartsWithTheTwoCommandsForRootAndForAUser() throws {
        let readme = try String(contentsOf: Self.packageRoot().appendingPathComponent("README.md"), encoding: .utf8)
        let block = try #require(readme.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
        #expect(block.split(separator: "\n") == ["scripts/install-deps && swift run intake-agent demo", "swift test --no-parallel"])
        let firstBlock = try #require(readme.range(of: "```sh\n"))
        #expect(!readme[..<firstBlock.lowerBound].contains("```"), "the commands come first")
    }

    /// A user without sudo gets one sentence saying how to run it as root, plus where the toolchain is, and the
    /// script stops before apt-get (which would fail halfway with a permission error). The PATH given holds the
    /// real tools the script uses and no sudo and no swift.
    @Test func installDepsRunAsAUserWithoutSudoSaysHowToRunItAsRoot() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("install-deps-\(UUID().uuidString)")
        let bin = scratch.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        for tool in ["bash", "env", "id", "readlink"] {
            try FileManager.default.createSymbolicLink(
                atPath: bin.appendingPathComponent(tool).path, withDestinationPath: "/usr/bin/\(tool)")
        }
        let script = scratch.appendingPathComponent("install-deps")
        try FileManager.default.copyItem(at: Self.packageRoot().appendingPathComponent("scripts/install-deps"), to: script)
        for url in [scratch, bin, script] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        let process = Process()
        if getuid() == 0 {
            // As nobody: the script must not find itself root.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", script.path]
        } else {
            process.executableURL = script
        }
        process.environment = ["PATH": bin.path, "HOME": scratch.path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(output)")
        #expect(lines.first == "install-deps: Installing packages needs root and sudo is not installed: run it as root:  su -c '\(script.path)'")
        #expect(lines.last?.hasPrefix("install-deps: ") == true && lines.last?.contains("PATH") == true, "\(output)")
        #expect(!output.contains("apt-get") && !output.contains("Reading package lists"), "\(output)")
    }
}
