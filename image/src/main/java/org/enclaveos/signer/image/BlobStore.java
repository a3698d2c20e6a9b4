package org.enclaveos.signer.image;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.sgx.Hash256;

/**
 * Where an image's blobs come from. Every read is checked against its descriptor: a blob whose
 * bytes do not hash to its digest, or whose length differs from its size, is an error, never data.
 */
public interface BlobStore {
    /** Manifests and configs larger than this are refused: no real one comes near it. */
    int MAX_DOCUMENT_BYTES = 4 << 20;

    /** The raw stream of a blob (unverified); {@link #open} wraps it. */
    InputStream openRaw(Descriptor d) throws IOException;

    /** A stream that verifies size and digest when it reaches the end (and fails there if they differ). */
    default InputStream open(Descriptor d) throws IOException {
        return new Verifying(openRaw(d), d);
    }

    /** A small document (manifest, config), read whole and verified, at most {@link #MAX_DOCUMENT_BYTES}. */
    default byte[] readDocument(Descriptor d, String what) {
        if (d.size() > MAX_DOCUMENT_BYTES) {
            throw SignerException.malformed(what + " " + d.digest() + " is " + d.size() + " bytes; at most "
                    + MAX_DOCUMENT_BYTES + " are read");
        }
        try (InputStream in = open(d)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, what + " " + d.digest() + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Counts and hashes as it goes; at the end of the stream, the blob must be exactly what the descriptor says. */
    final class Verifying extends ReadThrough {
        private final Descriptor descriptor;
        private final MessageDigest digest = Hash256.newDigest();
        private long count;
        private boolean checked;

        Verifying(InputStream in, Descriptor descriptor) {
            super(in);
            this.descriptor = descriptor;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (count >= descriptor.size() && len > 0) {
                // Past the declared size: only the end of the stream is acceptable.
                int extra = in.read(b, off, Math.min(len, 1));
                if (extra > 0) {
                    throw mismatch("is longer than its declared size " + descriptor.size());
                }
                check();
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, descriptor.size() - count));
            if (n < 0) {
                if (count < descriptor.size()) {
                    // The transport ended early (a dropped connection): an I/O failure the caller may retry.
                    throw new java.io.EOFException("blob " + descriptor.digest() + " ended after " + count + " of "
                            + descriptor.size() + " bytes");
                }
                check();
                return -1;
            }
            digest.update(b, off, n);
            count += n;
            return n;
        }

        /**
         * Reads whatever the consumer left, then checks: content taken from a blob is trusted only
         * once its close() has returned.
         */
        @Override
        public void close() throws IOException {
            try {
                if (!checked) {
                    byte[] buf = new byte[1 << 16];
                    while (read(buf, 0, buf.length) >= 0) {
                        // drain to the end so the whole blob is hashed
                    }
                }
            } finally {
                super.close();
            }
        }

        private void check() {
            if (checked) {
                return;
            }
            checked = true;
            if (count != descriptor.size()) {
                throw mismatch("has " + count + " bytes, its descriptor says " + descriptor.size());
            }
            String actual = "sha256:" + Hex.encode(digest.digest());
            if (!actual.equals(descriptor.digest())) {
                throw mismatch("hashes to " + actual);
            }
        }

        private SignerException mismatch(String what) {
            return new SignerException(ErrorKind.INTEGRITY, "blob " + descriptor.digest() + " " + what
                    + "; refusing its content");
        }
    }
}
