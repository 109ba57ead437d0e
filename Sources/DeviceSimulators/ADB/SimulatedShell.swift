// SPDX-License-Identifier: Apache-2.0

/// A small `/system/bin/sh` for the simulated adbd: command lists separated by `;`, `&&`, `||` or newlines,
/// quotes, the redirections `2>/dev/null`, `>/dev/null` and `2>&1`, and the commands a trade-in read uses
/// (`echo`, `getprop`, `cat`, `ls`), the rest answered from the profile like a phone would (`dumpsys`,
/// `service`, `cmd`, `df`, `tradeinmode`).
struct SimulatedShell {
    let profile: ADBDeviceProfile

    struct Result {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var exitCode: UInt8 = 0
    }

    func run(_ script: String) -> Result {
        var result = Result()
        var lastStatus: UInt8 = 0
        for (words, connector) in Self.parse(script) {
            if connector == "&&" && lastStatus != 0 { continue }
            if connector == "||" && lastStatus == 0 { continue }
            var args = words
            var dropStderr = false
            var dropStdout = false
            var mergeStderr = false
            args.removeAll { word in
                switch word {
                case "2>/dev/null": dropStderr = true
                case ">/dev/null", "1>/dev/null": dropStdout = true
                case "2>&1": mergeStderr = true
                default: return false
                }
                return true
            }
            guard !args.isEmpty else { continue }
            let one = runOne(args)
            if !dropStdout { result.stdout += Array(one.stdout.utf8) }
            if mergeStderr && !dropStdout {
                result.stdout += Array(one.stderr.utf8)
            } else if !dropStderr {
                result.stderr += Array(one.stderr.utf8)
            }
            lastStatus = one.exitCode
        }
        result.exitCode = lastStatus
        return result
    }

    private func runOne(_ args: [String]) -> ADBDeviceProfile.CommandOutput {
        let program = args[0]
        let rest = Array(args.dropFirst())
        switch program {
        case "echo":
            return .init(stdout: rest.joined(separator: " ") + "\n")
        case "getprop":
            if let key = rest.first { return .init(stdout: (profile.properties[key] ?? "") + "\n") }
            return .init(stdout: profile.properties.keys.sorted().map { "[\($0)]: [\(profile.properties[$0]!)]\n" }.joined())
        case "cat":
            var out = ADBDeviceProfile.CommandOutput(stdout: "")
            for path in rest {
                if let text = profile.files[path] {
                    out.stdout += text
                } else {
                    out.stderr += "cat: \(path): No such file or directory\n"
                    out.exitCode = 1
                }
            }
            return out
        case "ls":
            var out = ADBDeviceProfile.CommandOutput(stdout: "")
            for path in rest where !path.hasPrefix("-") {
                if profile.files[path] != nil {
                    out.stdout += path + "\n"
                } else {
                    out.stderr += "ls: \(path): No such file or directory\n"
                    out.exitCode = 1
                }
            }
            return out
        case "tradeinmode" where rest == ["evaluate"]:
            // TradeInModeService refuses evaluation outside the foyer or with FRP on; the wipe marker and the adbd
            // restart follow a success (ADBDeviceSimulator.enterEvaluationMode).
            guard profile.tradeInMode else {
                return .init(stdout: "", stderr: "Cannot enter evaluation mode: not in trade-in mode.\n", exitCode: 1)
            }
            if ADBDeviceSession.frpActive(profile) {
                return .init(stdout: "", stderr: "Cannot enter evaluation mode: factory reset protection is active.\n", exitCode: 1)
            }
            return .init(stdout: "")
        default:
            if let answer = profile.commands[args.joined(separator: " ")] { return answer }
            switch program {
            case "dumpsys":
                return .init(stdout: "Can't find service: \(rest.first ?? "")\n")
            case "service" where rest.first == "call":
                // An unknown transaction code leaves the reply empty, which `Parcel::print` writes as `NULL`.
                return .init(stdout: "Result: Parcel(NULL)\n")
            case "cmd":
                return .init(stdout: "", stderr: "cmd: Can't find service: \(rest.first ?? "")\n", exitCode: 20)
            default:
                return .init(stdout: "", stderr: "/system/bin/sh: \(program): inaccessible or not found\n", exitCode: 127)
            }
        }
    }

    /// Splits a script into simple commands (their words) with the connector that precedes each.
    static func parse(_ script: String) -> [(words: [String], connector: String)] {
        var commands: [(words: [String], connector: String)] = []
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var connector = ";"
        var chars = Array(script)[...]
        func endWord() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }
        func endCommand(_ next: String) {
            endWord()
            if !words.isEmpty { commands.append((words, connector)) }
            words = []
            connector = next
        }
        while let c = chars.popFirst() {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                if let next = chars.popFirst() { word.append(next) }
                inWord = true
            case ";", "\n":
                endCommand(";")
            case "&" where chars.first == "&":
                chars.removeFirst()
                endCommand("&&")
            case "|" where chars.first == "|":
                chars.removeFirst()
                endCommand("||")
            case " ", "\t":
                endWord()
            default:
                word.append(c)
                inWord = true
            }
        }
        endCommand(";")
        return commands
    }
}
