import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { InvalidPhraseError } from '../errors/index.js'
import { assertRootSecret, ROOT_SECRET_BYTES } from './root-secret.js'

/** 256 bits of entropy + 8 checksum bits = 24 BIP-39 words. */
export const PHRASE_WORDS = 24

const WORD_INDEX = new Map(wordlist.map((w, i) => [w, i]))

/** The 24-word BIP-39 (English) phrase that encodes a root secret. */
export function secretToPhrase(secret: Uint8Array): string {
  assertRootSecret(secret)
  return entropyToMnemonic(secret, wordlist)
}

/** Lowercases and collapses whitespace, so pasting from a note works. */
export function normalizePhrase(phrase: string): string[] {
  return phrase
    .normalize('NFKD')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter(w => w.length > 0)
}

/**
 * Parses a recovery phrase back into the root secret. A wrong word count,
 * an unknown word or a checksum mismatch throws `InvalidPhraseError` naming
 * the problem. A mistyped word is always caught by the wordlist check; a
 * swapped or substituted valid word is caught by the 8-bit checksum 255 times
 * in 256 (BIP-39's limit), and otherwise yields an identity with no data.
 */
export function phraseToSecret(phrase: string): Uint8Array {
  const words = normalizePhrase(phrase)
  if (words.length !== PHRASE_WORDS) {
    throw new InvalidPhraseError(`a recovery phrase has ${PHRASE_WORDS} words, got ${words.length}`)
  }
  words.forEach((word, i) => {
    if (!WORD_INDEX.has(word)) {
      const hint = closestWord(word)
      throw new InvalidPhraseError(`word ${i + 1} "${word}" is not in the BIP-39 English wordlist${hint != null ? ` (did you mean "${hint}"?)` : ''}`)
    }
  })
  let entropy: Uint8Array
  try {
    entropy = mnemonicToEntropy(words.join(' '), wordlist)
  } catch {
    throw new InvalidPhraseError('the phrase checksum does not match: a word is mistyped or two words are swapped')
  }
  if (entropy.length !== ROOT_SECRET_BYTES) {
    throw new InvalidPhraseError(`the phrase encodes ${entropy.length} bytes, expected ${ROOT_SECRET_BYTES}`)
  }
  return entropy
}

/** BIP-39 words are unique in their first four letters: suggest by prefix. */
function closestWord(word: string): string | undefined {
  if (word.length < 3) return undefined
  const prefix = word.slice(0, 4)
  return wordlist.find(w => w.startsWith(prefix)) ?? wordlist.find(w => w.startsWith(word.slice(0, 3)))
}
