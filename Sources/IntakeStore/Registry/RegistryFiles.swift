// SPDX-License-Identifier: Apache-2.0
public import Foundation
import Glibc

/// The data directory: the registry (full IINs), the station key and the ADB key live there, so nobody but the
/// agent's user may list or read it.
public enum DataDirectory {
    /// Creates `url` (and missing parents) with mode 0700; an existing directory is left as it is.
    public static func prepare(_ url: URL) throws {
        var info = stat()
        if stat(url.path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw StoreError.io("The data directory \(url.path) is not a directory: move that file away or choose another --data-dir.")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.io("Cannot create the data directory \(url.path): check the permissions of its parent.")
        }
        // The umask may only narrow the mode; make sure it is exactly 0700 (another process may have made it first).
        _ = chmod(url.path, 0o700)
    }
}

/// The registry's files on disk: created 0600, opened under an exclusive lock.
enum RegistryFiles {
    /// Creates an empty registry file with mode 0600 when there is none (SQLite takes an empty file for an empty
    /// database, and gives the `-wal` and `-shm` files the main file's mode).
    static func createPrivately(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
            return
        }
        guard errno == EEXIST else {
            throw StoreError.io("Cannot create the registry \(path): \(String(cString: strerror(errno))); check the data directory's permissions.")
        }
    }

    /// Narrows the registry's files to 0600 when something made them readable by group or others.
    static func narrowModes(_ path: String) {
        for file in [path, path + "-wal", path + "-shm", path + ".lock"] {
            var info = stat()
            if stat(file, &info) == 0, info.st_mode & 0o077 != 0 { _ = chmod(file, 0o600) }
        }
    }

    /// Opens (creating, 0600) `path` and takes an exclusive `flock` on it, waiting for other processes that hold
    /// it: creating the schema of a new registry must not race another process doing the same. The lock file is
    /// separate from the database because closing any descriptor of the database file would drop SQLite's own
    /// POSIX locks on it (see SQLite's "How To Corrupt An SQLite Database File", §2.2).
    static func lockExclusively(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError.io("Cannot open the registry's lock file \(path): \(String(cString: strerror(errno))); check the data directory's permissions.")
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            close(fd)
            throw StoreError.io("Cannot lock the registry's lock file \(path): \(reason).")
        }
        return fd
    }
}
