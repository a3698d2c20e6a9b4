package org.enclaveos.signer.image;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A response body that fails, instead of waiting forever, when one read gets no data for the timeout.
 * java.net.http's request timeout ends when the headers arrive; a registry (or a proxy) that then
 * stops sending would otherwise hang a read of a multi-gigabyte layer with no end. Closing the body
 * from the watchdog thread wakes the blocked read, which then reports the stall as an I/O error,
 * one the callers treat like a dropped connection: read again, a bounded number of times.
 */
final class StallGuard extends ReadThrough {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "registry-stall-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final long timeoutNanos;
    private final String what;
    private final ScheduledFuture<?> check;
    /** When the read in progress began (System.nanoTime), or 0 when no read is in progress. */
    private volatile long readingSince;
    private volatile boolean stalled;

    private StallGuard(InputStream in, Duration timeout, String what) {
        super(in);
        this.timeoutNanos = timeout.toNanos();
        this.what = what;
        long period = Math.max(10, timeout.toMillis() / 4);
        this.check = WATCHDOG.scheduleAtFixedRate(this::checkStalled, period, period, TimeUnit.MILLISECONDS);
    }

    /** Guards {@code body}; {@code what} names it in the error ("registry.example: blob sha256:..."). */
    static InputStream guard(InputStream body, Duration timeout, String what) {
        return new StallGuard(body, timeout, what);
    }

    private void checkStalled() {
        long since = readingSince;
        if (since != 0 && System.nanoTime() - since > timeoutNanos && !stalled) {
            stalled = true;
            try {
                in.close();
            } catch (IOException ignored) {
                // the read that is waiting reports the stall
            }
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (stalled) {
            throw stallError(null);
        }
        readingSince = System.nanoTime();
        try {
            int n = in.read(b, off, len);
            if (stalled) {
                throw stallError(null);
            }
            return n;
        } catch (IOException e) {
            throw stalled ? stallError(e) : e;
        } finally {
            readingSince = 0;
        }
    }

    private IOException stallError(IOException cause) {
        return new IOException(what + ": no data for " + Duration.ofNanos(timeoutNanos).toMillis() / 1000.0
                + " s (the registry stopped sending)", cause);
    }

    @Override
    public void close() throws IOException {
        check.cancel(false);
        super.close();
    }
}
