// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

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
}
