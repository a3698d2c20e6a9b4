package org.enclaveos.signer.measure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

import org.enclaveos.signer.SignerException;

/**
 * The bottom layer: splits an SGXS stream into records, refusing unknown tags, truncated records and
 * non-zero reserved bytes. It knows nothing about ordering; {@link CanonicalSgxs} does.
 *
 * <p>Because a measured SGXS record is byte for byte the measurement block the CPU hashes, the reader
 * hands the raw bytes of measured records to a {@link MeasuredBytes} sink in large contiguous runs,
 * split only at UNMEASRD records and buffer refills. Hashing a megabyte per call instead of 320 bytes
 * per record is what keeps {@code measure} close to {@code openssl dgst}. Memory is one fixed buffer.
 *
 * <p>The buffer is direct: a file channel reads into it with the kernel's one copy, where reading into a
 * byte array costs a second (the JDK reads into a direct buffer of its own, then copies), and SHA-256
 * then takes it through a small array that stays in the CPU's cache. Reading and hashing 1 GiB on two
 * threads took 0.70 s this way against 0.83 s through byte arrays (issue 17, docs/performance.md).
 */
public final class SgxsReader {
    private static final int BUFFER = 1 << 20;
    private static final SgxsRecord.Type[] TYPES = SgxsRecord.Type.values();

    /** Receives the raw bytes of measured records, in stream order, in as few calls as possible. */
    public interface MeasuredBytes {
        /** The next measured bytes: a view of their own, position to limit (the reader reads on into the buffer). */
        void accept(ByteBuffer bytes);

        /**
         * Called when the reader has filled {@code full} and needs room: returns another buffer made by
         * {@link #newBuffer} to go on in, and takes {@code full} back once its bytes are consumed (the
         * sink hashes on another thread).
         */
        ByteBuffer exchange(ByteBuffer full);
    }

    private final ReadableByteChannel in;
    private final MeasuredBytes sink;
    private ByteBuffer buf = newBuffer();
    private int pos;        // start of the next record in buf
    private int limit;      // end of the bytes read into buf
    private int spanStart;  // start of measured bytes not yet given to the sink
    private long bufStart;  // stream position of buf[0]
    private long number;

    public SgxsReader(ReadableByteChannel in, MeasuredBytes sink) {
        this.in = in;
        this.sink = sink;
    }

    /** A buffer as the reader fills it (a sink that supplies buffers in {@code exchange} makes them here). */
    public static ByteBuffer newBuffer() {
        return ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The next record, or null at the end of the stream. */
    public SgxsRecord next() throws IOException {
        long start = bufStart + pos;
        if (!fill(Measurement.BLOCK_SIZE)) {
            if (limit == pos) {
                return null;
            }
            number++;
            throw truncated(start, "record header", Measurement.BLOCK_SIZE, limit - pos);
        }
        number++;
        SgxsRecord.Type type = typeOf(start);
        SgxsRecord record = switch (type) {
            case ECREATE, UNSIZED -> new SgxsRecord(type, number, start,
                    Integer.toUnsignedLong(buf.getInt(pos + 8)), buf.getLong(pos + 12));
            case EADD -> new SgxsRecord(type, number, start, buf.getLong(pos + 8), buf.getLong(pos + 16));
            case EEXTEND, UNMEASURED -> new SgxsRecord(type, number, start, buf.getLong(pos + 8), 0);
        };
        checkReserved(record, switch (type) {
            case ECREATE, UNSIZED -> 20;
            case EADD -> 24;
            case EEXTEND, UNMEASURED -> 16;
        });
        int total = Measurement.BLOCK_SIZE + type.dataSize();
        if (!fill(total)) {
            throw truncated(start, type.displayName() + " record", total, limit - pos);
        }
        if (!type.measured()) {
            flush();
            spanStart = pos + total;
        }
        pos += total;
        return record;
    }

    /** Gives the sink every measured byte read so far; call at the end of the stream. */
    public void finish() {
        flush();
        spanStart = pos;
    }

    private void flush() {
        if (pos > spanStart) {
            sink.accept(buf.slice(spanStart, pos - spanStart));
        }
    }

    /** Makes sure {@code n} bytes from {@code pos} are in the buffer; false if the stream ends first. */
    private boolean fill(int n) throws IOException {
        if (buf.capacity() - pos < n) {
            flush();
            ByteBuffer next = sink.exchange(buf);
            next.put(0, buf, pos, limit - pos);
            buf = next;
            bufStart += pos;
            limit -= pos;
            pos = 0;
            spanStart = 0;
        }
        while (limit - pos < n) {
            buf.limit(buf.capacity()).position(limit);
            int r = in.read(buf);
            if (r < 0) {
                return false;
            }
            limit += r;
        }
        return true;
    }

    private SgxsRecord.Type typeOf(long start) {
        long value = buf.getLong(pos);
        for (SgxsRecord.Type t : TYPES) {
            if (t.tagValue() == value) {
                return t;
            }
        }
        byte[] bytes = new byte[8];
        buf.get(pos, bytes);
        String tag = new String(bytes, StandardCharsets.ISO_8859_1);
        throw SignerException.malformed("record " + number + " at byte " + start + ": unknown tag \""
                + printable(tag) + "\", expected ECREATE, EADD, EEXTEND or UNMEASRD");
    }

    private void checkReserved(SgxsRecord record, int from) {
        // Words, not bytes: a byte loop here cost as much as hashing. Every record's reserved bytes run to
        // its end from 16, 20 or 24; only ECREATE's start between two words.
        long any = 0;
        int at = from;
        if ((at & 7) != 0) {
            any = buf.getInt(pos + at);
            at += 4;
        }
        for (; at < Measurement.BLOCK_SIZE; at += 8) {
            any |= buf.getLong(pos + at);
        }
        if (any != 0) {
            int i = from;
            while (buf.get(pos + i) == 0) {
                i++;
            }
            throw SignerException.malformed(record.where() + ": " + record.type().displayName()
                    + " has a non-zero reserved byte at record offset " + i);
        }
    }

    private SignerException truncated(long start, String what, int expected, int got) {
        return SignerException.malformed("record " + number + " at byte " + start + ": truncated " + what
                + ", expected " + expected + " bytes, the stream ends after " + got);
    }

    private static String printable(String tag) {
        StringBuilder sb = new StringBuilder();
        for (char c : tag.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return sb.toString();
    }
}
