package org.enclaveos.signer.measure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.LittleEndian;

/**
 * The bottom layer: splits an SGXS stream into records, refusing unknown tags, truncated records and
 * non-zero reserved bytes. It knows nothing about ordering; {@link CanonicalSgxs} does.
 *
 * <p>Because a measured SGXS record is byte for byte the measurement block the CPU hashes, the reader
 * hands the raw bytes of measured records to a {@link MeasuredBytes} sink in large contiguous runs,
 * split only at UNMEASRD records and buffer refills. Hashing a megabyte per call instead of 320 bytes
 * per record is what keeps {@code measure} close to {@code openssl dgst}. Memory is one fixed buffer.
 */
public final class SgxsReader {
    private static final int BUFFER = 1 << 20;
    private static final SgxsRecord.Type[] TYPES = SgxsRecord.Type.values();
    private static final byte[] ZEROS = new byte[Measurement.BLOCK_SIZE];

    /** Receives the raw bytes of measured records, in stream order, in as few calls as possible. */
    @FunctionalInterface
    public interface MeasuredBytes {
        void accept(byte[] bytes, int offset, int length);

        /**
         * Called when the reader has filled {@code full} and needs room: returns the buffer to go on
         * in. The default keeps using the same one, which is right when {@link #accept} has consumed
         * the bytes by the time it returns; a sink that consumes them later (on another thread)
         * returns a different buffer and takes {@code full} back when it is done with it.
         */
        default byte[] exchange(byte[] full) {
            return full;
        }
    }

    private final InputStream in;
    private final MeasuredBytes sink;
    private byte[] buf = new byte[BUFFER];
    private int pos;        // start of the next record in buf
    private int limit;      // end of the bytes read into buf
    private int spanStart;  // start of measured bytes not yet given to the sink
    private int dataOffset; // where the last record's data starts in buf
    private long bufStart;  // stream position of buf[0]
    private long number;

    public SgxsReader(InputStream in, MeasuredBytes sink) {
        this.in = in;
        this.sink = sink;
    }

    /** The size of the reader's buffers (a sink that supplies buffers in {@code exchange} uses this). */
    public static int bufferSize() {
        return BUFFER;
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
                    Integer.toUnsignedLong(LittleEndian.u32(buf, pos + 8)), LittleEndian.u64(buf, pos + 12));
            case EADD -> new SgxsRecord(type, number, start, LittleEndian.u64(buf, pos + 8), LittleEndian.u64(buf, pos + 16));
            case EEXTEND, UNMEASURED -> new SgxsRecord(type, number, start, LittleEndian.u64(buf, pos + 8), 0);
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
        dataOffset = pos + Measurement.BLOCK_SIZE;
        if (!type.measured()) {
            flush();
            spanStart = pos + total;
        }
        pos += total;
        return record;
    }

    /** Copies the 256 data bytes of the last EEXTEND or UNMEASRD record. */
    public void data(byte[] into) {
        System.arraycopy(buf, dataOffset, into, 0, Measurement.CHUNK_SIZE);
    }

    /** Gives the sink every measured byte read so far; call at the end of the stream. */
    public void finish() {
        flush();
        spanStart = pos;
    }

    private void flush() {
        if (pos > spanStart) {
            sink.accept(buf, spanStart, pos - spanStart);
        }
    }

    /** Makes sure {@code n} bytes from {@code pos} are in the buffer; false if the stream ends first. */
    private boolean fill(int n) throws IOException {
        if (buf.length - pos < n) {
            flush();
            byte[] next = sink.exchange(buf);
            System.arraycopy(buf, pos, next, 0, limit - pos);
            buf = next;
            bufStart += pos;
            limit -= pos;
            pos = 0;
            spanStart = 0;
        }
        while (limit - pos < n) {
            int r = in.read(buf, limit, buf.length - limit);
            if (r < 0) {
                return false;
            }
            limit += r;
        }
        return true;
    }

    private SgxsRecord.Type typeOf(long start) {
        long value = LittleEndian.u64(buf, pos);
        for (SgxsRecord.Type t : TYPES) {
            if (t.tagValue() == value) {
                return t;
            }
        }
        String tag = new String(buf, pos, 8, StandardCharsets.ISO_8859_1);
        throw SignerException.malformed("record " + number + " at byte " + start + ": unknown tag \""
                + printable(tag) + "\", expected ECREATE, EADD, EEXTEND or UNMEASRD");
    }

    private void checkReserved(SgxsRecord record, int from) {
        // Arrays.mismatch compares many bytes per instruction; a byte loop here cost as much as hashing.
        int i = Arrays.mismatch(buf, pos + from, pos + Measurement.BLOCK_SIZE, ZEROS, from, Measurement.BLOCK_SIZE);
        if (i >= 0) {
            throw SignerException.malformed(record.where() + ": " + record.type().displayName()
                    + " has a non-zero reserved byte at record offset " + (from + i));
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
