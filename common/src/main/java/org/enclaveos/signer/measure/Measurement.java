package org.enclaveos.signer.measure;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.sgx.Hash256;

/**
 * MRENCLAVE as the CPU computes it: one running SHA-256 over 64-byte ECREATE, EADD and EEXTEND blocks,
 * in build order. This is the only place in the project that encodes those blocks; the SGXS reader,
 * the layout manifest and the SDK enclave reader all feed it.
 *
 * <p>{@link #copy()} forks the running state, so two layouts that share a prefix hash it once.
 */
public final class Measurement {
    public static final int PAGE_SIZE = 4096;
    public static final int CHUNK_SIZE = 256;
    public static final int CHUNKS_PER_PAGE = PAGE_SIZE / CHUNK_SIZE;
    /** Size of one measurement block (and of one SGXS record header). */
    public static final int BLOCK_SIZE = 64;
    /**
     * The most page bytes one measurement may add (EADD-only pages counted whole), unless the user
     * says otherwise ({@code --max-measured-size}): a 2 KB file can declare 2^35 pages, and hashing
     * them would take a day. Counted from the layout before the first page is hashed.
     */
    public static final long DEFAULT_MAX_MEASURED_BYTES = 64L << 30;

    static final byte[] ECREATE = tag("ECREATE\0");
    static final byte[] EADD = tag("EADD\0\0\0\0");
    static final byte[] EEXTEND = tag("EEXTEND\0");

    private final MessageDigest digest;
    private final long enclaveSize;
    private final byte[] block = new byte[BLOCK_SIZE];

    private Measurement(MessageDigest digest, long enclaveSize) {
        this.digest = digest;
        this.enclaveSize = enclaveSize;
    }

    /**
     * Starts a measurement with ECREATE.
     *
     * @param ssaFrameSize SSA frame size in pages (SECS.SSAFRAMESIZE), at least 1
     * @param enclaveSize  SECS.SIZE in bytes, a power of two of at least one page
     */
    public static Measurement ecreate(long ssaFrameSize, long enclaveSize) {
        if (ssaFrameSize < 1 || ssaFrameSize > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("SSA frame size must be 1..2^32-1 pages, got " + ssaFrameSize);
        }
        if (enclaveSize < PAGE_SIZE || Long.bitCount(enclaveSize) != 1) {
            throw new IllegalArgumentException("enclave size must be a power of two of at least 4096, got " + enclaveSize);
        }
        Measurement m = new Measurement(Hash256.newDigest(), enclaveSize);
        encodeEcreate(m.block, ssaFrameSize, enclaveSize);
        m.digest.update(m.block);
        return m;
    }

    /**
     * A measurement fed by {@link Sgxs} with the raw bytes of a validated SGXS stream, ECREATE
     * included: such a stream is, by definition, the sequence of measurement blocks. Nothing else may
     * use this door, which is why it is package-private.
     */
    static Measurement forSgxsStream() {
        return new Measurement(Hash256.newDigest(), -1);
    }

    void updateRaw(ByteBuffer bytes) {
        digest.update(bytes);
    }

    public long enclaveSize() {
        return enclaveSize;
    }

    /** EADD of one page at {@code offset} (page-aligned, inside the enclave) with SECINFO.FLAGS. */
    public void eadd(long offset, long secinfoFlags) {
        if ((offset & (PAGE_SIZE - 1)) != 0 || offset < 0 || offset > enclaveSize - PAGE_SIZE) {
            throw new IllegalArgumentException(String.format("EADD offset 0x%x is not a page inside the enclave", offset));
        }
        encodeEadd(block, offset, secinfoFlags);
        digest.update(block);
    }

    /** EEXTEND of the 256 bytes at {@code data[from..from+256)}, measured at enclave offset {@code offset}. */
    public void eextend(long offset, byte[] data, int from) {
        if ((offset & (CHUNK_SIZE - 1)) != 0 || offset < 0 || offset >= enclaveSize) {
            throw new IllegalArgumentException(String.format("EEXTEND offset 0x%x is not a chunk inside the enclave", offset));
        }
        encodeEextend(block, offset);
        digest.update(block);
        digest.update(data, from, CHUNK_SIZE);
    }

    // The three block encodings. Every producer of measurement blocks (this class, SgxsWriter) uses them.

    static void encodeEcreate(byte[] block, long ssaFrameSize, long enclaveSize) {
        start(block, ECREATE);
        LittleEndian.putU32(block, 8, (int) ssaFrameSize);
        LittleEndian.putU64(block, 12, enclaveSize);
    }

    static void encodeEadd(byte[] block, long offset, long secinfoFlags) {
        start(block, EADD);
        LittleEndian.putU64(block, 8, offset);
        LittleEndian.putU64(block, 16, secinfoFlags);
    }

    /** The 64-byte header; the 256 data bytes follow it in the stream. */
    static void encodeEextend(byte[] block, long offset) {
        start(block, EEXTEND);
        LittleEndian.putU64(block, 8, offset);
    }

    private static void start(byte[] block, byte[] tag) {
        Arrays.fill(block, (byte) 0);
        System.arraycopy(tag, 0, block, 0, tag.length);
    }

    /** An independent copy of the running state: both go on from here separately. */
    public Measurement copy() {
        try {
            return new Measurement((MessageDigest) digest.clone(), enclaveSize);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 cannot be cloned", e);
        }
    }

    /** MRENCLAVE. The measurement cannot be used afterwards (EINIT ends it, too). */
    public Hash256 finish() {
        return Hash256.of(digest.digest());
    }

    /** Refuses, before any work, a build whose pages add up to more than {@code limit} bytes. */
    public static void checkWork(String where, long pages, long limit) {
        if (pages > limit / PAGE_SIZE) {
            throw org.enclaveos.signer.SignerException.malformed(where + ": the layout adds " + pages + " pages ("
                    + pages * (double) PAGE_SIZE / (1L << 30) + " GiB), more than --max-measured-size allows ("
                    + limit + " bytes); raise it if this enclave is really that large");
        }
    }

    private static byte[] tag(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
