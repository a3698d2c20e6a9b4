package org.enclaveos.signer.sgx;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import org.enclaveos.signer.io.Hex;

/** A 32-byte SHA-256 value as SGX uses it: MRENCLAVE, MRSIGNER, the hash of a signing payload. */
public final class Hash256 {
    public static final int SIZE = 32;

    private final byte[] bytes;

    private Hash256(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Hash256 of(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("a SHA-256 value has 32 bytes, got " + bytes.length);
        }
        return new Hash256(bytes.clone());
    }

    /** Parses 64 hex digits (optionally 0x-prefixed); the message names {@code what}. */
    public static Hash256 parse(String what, String hex) {
        return new Hash256(Hex.decode(what, hex, SIZE));
    }

    /** SHA-256 of the given bytes, with the JDK's (CPU-accelerated) implementation. */
    public static Hash256 sha256(byte[] data) {
        return new Hash256(newDigest().digest(data));
    }

    /** SHA-256 of a file's bytes, read as a stream (files may be large). */
    public static Hash256 ofFile(java.nio.file.Path file) {
        MessageDigest d = newDigest();
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        } catch (java.io.IOException e) {
            throw new org.enclaveos.signer.SignerException(org.enclaveos.signer.ErrorKind.IO,
                    file + ": cannot read: " + e.getMessage(), e);
        }
        return new Hash256(d.digest());
    }

    /** A fresh JDK SHA-256 digest. Never BouncyCastle's: it is several times slower. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String hex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hash256 other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
