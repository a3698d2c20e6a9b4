package org.enclaveos.signer.crypto;

/**
 * Where a passphrase comes from (a prompt, a file, an environment variable), asked only when a key
 * turns out to be encrypted. Callers should wipe the returned array when done.
 */
@FunctionalInterface
public interface PassphraseSource {
    /** A source for unencrypted keys only: an encrypted key is refused with a message that says how to pass one. */
    PassphraseSource NONE = what -> null;

    /** The passphrase for {@code what} (e.g. the key file), or null if none can be had. */
    char[] passphrase(String what);
}
