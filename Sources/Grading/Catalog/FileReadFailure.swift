// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Why a data file the operator named could not be read, as the end of a sentence that starts with its path.
enum FileReadFailure {
    static func sentence(for url: URL) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            return "does not exist; check the path."
        }
        if isDirectory.boolValue { return "is a directory, not a file; give the file's path." }
        return "cannot be read; check its permissions."
    }
}
