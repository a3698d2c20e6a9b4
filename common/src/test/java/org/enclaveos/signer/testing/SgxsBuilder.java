package org.enclaveos.signer.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Writes SGXS streams for tests, record by record, written from the SGX reference independently of
 * the production encoder. It also keeps a plain SHA-256 over every measured record, the expected
 * MRENCLAVE, so tests never compare the measurement code with itself.
 */
public final class SgxsBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final MessageDigest expected;

    public SgxsBuilder() {
        try {
            expected = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public SgxsBuilder ecreate(int ssaFrameSize, long size) {
        ByteBuffer b = header("ECREATE\0");
        b.putInt(8, ssaFrameSize).putLong(12, size);
        return measured(b.array());
    }

    public SgxsBuilder unsized(int ssaFrameSize) {
        ByteBuffer b = header("UNSIZED\0");
        b.putInt(8, ssaFrameSize);
        return raw(b.array());
    }

    public SgxsBuilder eadd(long offset, long flags) {
        ByteBuffer b = header("EADD\0\0\0\0");
        b.putLong(8, offset).putLong(16, flags);
        return measured(b.array());
    }

    public SgxsBuilder eextend(long offset, byte[] data256) {
        ByteBuffer b = header("EEXTEND\0");
        b.putLong(8, offset);
        measured(b.array());
        return measured(data256);
    }

    public SgxsBuilder unmeasured(long offset, byte[] data256) {
        ByteBuffer b = header("UNMEASRD");
        b.putLong(8, offset);
        raw(b.array());
        return raw(data256);
    }

    /** EADD plus 16 EEXTENDs of a page whose bytes are {@code fill + i}. */
    public SgxsBuilder measuredPage(long offset, long flags, int fill) {
        eadd(offset, flags);
        for (int c = 0; c < 16; c++) {
            byte[] chunk = new byte[256];
            for (int i = 0; i < 256; i++) {
                chunk[i] = (byte) (fill + c * 256 + i);
            }
            eextend(offset + c * 256L, chunk);
        }
        return this;
    }

    /** EADD plus 16 EEXTENDs of the given 4096 bytes. */
    public SgxsBuilder page(long offset, long flags, byte[] content) {
        eadd(offset, flags);
        for (int c = 0; c < 16; c++) {
            eextend(offset + c * 256L, java.util.Arrays.copyOfRange(content, c * 256, c * 256 + 256));
        }
        return this;
    }

    /** Appends arbitrary bytes (for corrupted streams); they count as measured. */
    public SgxsBuilder measured(byte[] bytes) {
        out.writeBytes(bytes);
        expected.update(bytes);
        return this;
    }

    /** Appends bytes that are not part of the measurement. */
    public SgxsBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }

    /** SHA-256 over the measured records, in lower-case hex. */
    public String expectedMrenclave() {
        try {
            return java.util.HexFormat.of().formatHex(((MessageDigest) expected.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteBuffer header(String tag) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(tag.getBytes(StandardCharsets.US_ASCII));
        return b;
    }
}
