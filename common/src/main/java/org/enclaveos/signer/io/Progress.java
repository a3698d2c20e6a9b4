package org.enclaveos.signer.io;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Where long work reports how far it got: bytes of a layer read or pushed, bytes of an enclave
 * measured, requests of a ceremony signed. The library only counts; the command decides what to show
 * (a live line on a terminal, one summary line otherwise, nothing with --quiet).
 */
public interface Progress {

    /** What is counted. */
    enum Unit { BYTES, ITEMS }

    /** One piece of work: advanced as it goes, finished once (further calls are ignored). */
    interface Task {
        void advance(long amount);

        void finish();
    }

    /** @param total how much there will be, or -1 if unknown */
    Task start(String label, long total, Unit unit);

    /** Reports nothing (libraries' default, tests). */
    Progress NONE = (label, total, unit) -> new Task() {
        @Override
        public void advance(long amount) {
        }

        @Override
        public void finish() {
        }
    };

    /** {@code in}, counting its bytes into a new task, finished when the channel is closed. */
    default ReadableByteChannel counting(ReadableByteChannel in, String label, long total) {
        Task task = start(label, total, Unit.BYTES);
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                return counted(task, in.read(dst));
            }

            @Override
            public boolean isOpen() {
                return in.isOpen();
            }

            @Override
            public void close() throws IOException {
                closeThenFinish(in, task);
            }
        };
    }

    /** {@code in}, counting its bytes into a new task, finished when the stream is closed. */
    default InputStream counting(InputStream in, String label, long total) {
        Task task = start(label, total, Unit.BYTES);
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    task.advance(1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return counted(task, super.read(b, off, len));
            }

            @Override
            public void close() throws IOException {
                closeThenFinish(in, task);
            }
        };
    }

    /** What a read returned ({@code -1} at the end), after counting the bytes it read. */
    private static int counted(Task task, int n) {
        if (n > 0) {
            task.advance(n);
        }
        return n;
    }

    /** Closes what was read, then finishes its task, whether or not closing failed. */
    private static void closeThenFinish(Closeable in, Task task) throws IOException {
        try {
            in.close();
        } finally {
            task.finish();
        }
    }
}
