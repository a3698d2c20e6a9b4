package org.enclaveos.signer.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A filter whose every byte passes through {@link #read(byte[], int, int)}: the one-byte read and
 * skip are built on it. FilterInputStream sends both straight to the stream it wraps, so a filter
 * that hashes, counts, bounds or watches bytes would miss the ones read or skipped that way.
 */
abstract class ReadThrough extends FilterInputStream {
    protected ReadThrough(InputStream in) {
        super(in);
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public final long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.max(0, Math.min(n, 8192))];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }
}
