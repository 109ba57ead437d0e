// swift-tools-version: 6.1
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

// Modules and who may import whom: ../shared/design.md ("Modules").
// - Grading imports Foundation only.
// - Diagnostics is the only Swift module that imports the USB / iOS / OpenSSL C modules.
// - IntakeAgent (the executable) and Intake are the only places that map Diagnostics output onto Grading input.
// - IntakeBench (the benchmarks) is a second executable, not part of the intake-agent product.
let package = Package(
    name: "intake-agent",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "intake-agent", targets: ["IntakeAgent"]),
        // The benchmarks: built beside the agent, never installed with it (it compiles C and runs Python).
        .executable(name: "intake-bench", targets: ["IntakeBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", exact: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
    ],
    targets: [
        // MARK: - C modules (module maps and tiny static-inline shims only)
        .systemLibrary(name: "CUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(
            name: "CIMobileDevice", pkgConfig: "libimobiledevice-1.0",
            providers: [.apt(["libimobiledevice-dev", "libplist-dev", "libusbmuxd-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),

        // MARK: - Pure rules
        .target(name: "Grading"),

        // MARK: - Devices
        .target(
            name: "Diagnostics",
            dependencies: [
                "CUSB", "CIMobileDevice", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The usbmuxd/lockdownd and adbd simulators: product code, the demo runs on them and the tests use them.
        .target(
            name: "DeviceSimulators",
            dependencies: [
                "COpenSSL", "Diagnostics",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: - Registry, printing, sessions
        .target(
            name: "IntakeStore",
            dependencies: [
                "Grading",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "Printing", dependencies: ["CQREncode", "Grading", "IntakeStore"]),
        .target(
            name: "Intake",
            dependencies: [
                "Grading", "Diagnostics", "DeviceSimulators", "IntakeStore", "Printing",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: - Command lines
        // What `intake-agent` and `intake-bench` share: global options, output and failure conventions, the
        // scripted answers and synthetic issuance requests the demo, the crash-safety child and the benchmarks use.
        .target(
            name: "AgentCLI",
            dependencies: [
                "Grading", "Intake", "IntakeStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // MARK: - The consultant's console: the HTTP API and the page (assets embedded, see scripts/embed-console)
        .target(
            name: "Console",
            dependencies: [
                "Intake", "IntakeStore", "Grading", "Diagnostics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "IntakeAgent",
            dependencies: [
                "AgentCLI", "Intake", "Grading", "Diagnostics", "DeviceSimulators", "IntakeStore", "Printing", "Console",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "IntakeBench",
            dependencies: [
                "AgentCLI", "Intake", "Grading", "Diagnostics", "DeviceSimulators", "IntakeStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // libFuzzer target for the Android parsers (see its file for the fuzzing build); a corpus replayer otherwise.
        .executableTarget(name: "fuzz-android-parsers", dependencies: ["Diagnostics"], path: "Fuzz/AndroidParsers"),

        // MARK: - Tests
        .testTarget(name: "GradingTests", dependencies: ["Grading"]),
        .testTarget(
            name: "DiagnosticsTests",
            dependencies: ["Diagnostics", "DeviceSimulators", .product(name: "Logging", package: "swift-log")],
            // The umockdev testbed driver runs as a separate (preloaded) process; USBTestbed finds it by path.
            exclude: ["Support/usb_testbed.py"]),
        .testTarget(
            name: "IntakeTests",
            dependencies: [
                "Intake", "IntakeStore", "Printing", "Grading", "Diagnostics", "DeviceSimulators", "Console",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Printing/Goldens"]),
    ]
)

// MARK: - Settings shared by every Swift target (swift-nio's "standard cross-repo settings" loop)
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
