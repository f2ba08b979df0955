/**
 * @packageDocumentation
 * The data dir and its key file: a node's identity at rest.
 *
 * @example
 * ```ts
 * const { phrase } = await initDataDir(dir)          // once: show the phrase
 * const { rootSecret } = await openDataDir(dir)      // at every start
 * ```
 */
export { type InitDataDirOptions, type InitDataDirResult, initDataDir, keyFilePath, type OpenDataDirResult, openDataDir } from './data-dir.js'
export { decodeKeyFile, encodeKeyFile, KEY_FILE_NAME, KEY_FILE_VERSION, MAX_KEY_FILE_BYTES, SCRYPT_PARAMS, type ScryptParams } from './key-file.js'
