package org.enclaveos.signer.measure;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hashes on a second core while the reader reads and checks the next megabyte: SHA-256 itself is
 * sequential, but reading and checking records need not wait for it. Buffers go round a small fixed
 * pool, so memory stays constant; the reader never writes into a buffer this thread still reads.
 */
final class HashingThread implements SgxsReader.MeasuredBytes, AutoCloseable {
    private static final int BUFFERS = 4;

    /** Bytes to hash, or (handBack) a buffer to hand back, or (bytes null) the end. */
    private record Task(ByteBuffer bytes, boolean handBack) {
    }

    private final Measurement measurement;
    private final BlockingQueue<Task> tasks = new ArrayBlockingQueue<>(1024);
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread thread;
    private volatile Throwable failure;

    HashingThread(Measurement measurement) {
        this.measurement = measurement;
        for (int i = 0; i < BUFFERS - 1; i++) {
            free.add(SgxsReader.newBuffer());
        }
        thread = new Thread(this::run, "sgxs-hash");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            for (Task t; (t = tasks.take()).bytes() != null; ) {
                if (t.handBack()) {
                    free.put(t.bytes());
                } else {
                    measurement.updateRaw(t.bytes());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    @Override
    public void accept(ByteBuffer bytes) {
        put(new Task(bytes, false));
    }

    @Override
    public ByteBuffer exchange(ByteBuffer full) {
        try {
            ByteBuffer next;
            while ((next = free.poll(100, TimeUnit.MILLISECONDS)) == null) {
                checkAlive();
            }
            put(new Task(full, true));
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring", e);
        }
    }

    /** A dead hasher must not leave the reader waiting forever for a buffer or a queue slot. */
    private void checkAlive() {
        if (failure != null || !thread.isAlive()) {
            throw new IllegalStateException("the hashing thread stopped", failure);
        }
    }

    /** Waits until every byte handed over is hashed. */
    void drain() {
        put(new Task(null, false));
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring", e);
        }
        if (failure != null) {
            throw new IllegalStateException("hashing failed", failure);
        }
    }

    private void put(Task t) {
        try {
            while (!tasks.offer(t, 100, TimeUnit.MILLISECONDS)) {
                checkAlive();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring", e);
        }
    }

    /** Stops the thread if the stream was refused half-way. */
    @Override
    public void close() {
        thread.interrupt();
    }
}
