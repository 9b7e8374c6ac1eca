/**
 * `@etcd-ts/wal/testing`: test harnesses for code that uses the WAL. {@link CrashFileSystem}
 * is an in-memory file system that knows what a power loss would keep.
 *
 * @packageDocumentation
 */
export type { CrashFileSystemCounts, CrashMode, CrashOptions } from './crash-file-system.js'
export { CrashFileSystem } from './crash-file-system.js'
