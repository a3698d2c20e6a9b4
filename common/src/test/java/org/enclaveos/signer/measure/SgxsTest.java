package org.enclaveos.signer.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.testing.SgxsBuilder;
import org.junit.jupiter.api.Test;

/** SGXS streams the tests write, each checked against a plain SHA-256 of its measured records. */
class SgxsTest {
    private static final byte[] CHUNK = new byte[256];

    static Sgxs.Result measure(byte[] stream) throws IOException {
        return Sgxs.measure(new ByteArrayInputStream(stream));
    }

    static SignerException refused(byte[] stream) {
        return assertThrows(SignerException.class, () -> measure(stream));
    }

    @Test
    void fullyMeasuredPagesAndTcs() throws IOException {
        SgxsBuilder b = new SgxsBuilder().ecreate(1, 0x8000)
                .measuredPage(0, 0x100, 1)
                .measuredPage(0x1000, 0x207, 2)
                .measuredPage(0x2000, 0x201, 3);
        Sgxs.Result r = measure(b.bytes());
        assertEquals(b.expectedMrenclave(), r.mrenclave().hex());
        assertEquals(3, r.pages());
        assertEquals(48, r.measuredChunks());
        assertEquals(0x8000, r.enclaveSize());
    }

    @Test
    void eaddWithoutEextendAndPartiallyMeasuredPages() throws IOException {
        SgxsBuilder b = new SgxsBuilder().ecreate(2, 0x10000)
                .eadd(0, 0x203)
                .eadd(0x1000, 0x203)
                .eextend(0x1000, CHUNK)
                .eextend(0x1f00, CHUNK)
                .eadd(0x4000, 0x205);
        assertEquals(b.expectedMrenclave(), measure(b.bytes()).mrenclave().hex());
        assertEquals(2, measure(b.bytes()).ssaFrameSize());
    }

    @Test
    void unmeasuredRecordsAreSkipped() throws IOException {
        SgxsBuilder b = new SgxsBuilder().ecreate(1, 0x4000)
                .eadd(0, 0x201)
                .unmeasured(0, CHUNK)
                .eextend(0x100, CHUNK)
                .unmeasured(0x200, CHUNK);
        Sgxs.Result r = measure(b.bytes());
        assertEquals(b.expectedMrenclave(), r.mrenclave().hex());
        assertEquals(2, r.unmeasuredChunks());
        assertEquals(1, r.measuredChunks());
    }

    @Test
    void chunkOrderWithinAPageIsFree() throws IOException {
        SgxsBuilder b = new SgxsBuilder().ecreate(1, 0x4000).eadd(0, 0x201)
                .eextend(0x300, CHUNK).eextend(0x0, CHUNK);
        assertEquals(b.expectedMrenclave(), measure(b.bytes()).mrenclave().hex());
    }

    @Test
    void streamsLargerThanTheReadBufferHashAcrossBufferBoundaries() throws IOException {
        // About 3 MiB: records straddle the 1 MiB buffers, UNMEASRD runs split the measured spans.
        SgxsBuilder b = new SgxsBuilder().ecreate(1, 1L << 23);
        for (int p = 0; p < 600; p++) {
            b.measuredPage(2L * p * 4096, 0x203, p);
            if (p % 7 == 0) {
                b.eadd((2L * p + 1) * 4096, 0x201).unmeasured((2L * p + 1) * 4096, CHUNK);
            }
        }
        byte[] stream = b.bytes();
        Sgxs.Result r = measure(stream);
        assertEquals(b.expectedMrenclave(), r.mrenclave().hex());
        assertEquals(stream.length, r.bytes());
        // Deliver it in odd-sized reads, as a pipe would.
        java.io.InputStream trickle = new java.io.FilterInputStream(new ByteArrayInputStream(stream)) {
            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                return super.read(buf, off, Math.min(len, 4093));
            }
        };
        assertEquals(b.expectedMrenclave(), Sgxs.measure(trickle).mrenclave().hex());
        // From a file: its channel reads straight into the direct buffers, and the progress sees every byte.
        java.nio.file.Path file = java.nio.file.Files.write(java.nio.file.Files.createTempFile("stream", ".sgxs"), stream);
        long[] counted = {0};
        boolean[] finished = {false};
        org.enclaveos.signer.io.Progress progress = (label, total, unit) -> new org.enclaveos.signer.io.Progress.Task() {
            @Override
            public void advance(long amount) {
                counted[0] += amount;
            }

            @Override
            public void finish() {
                finished[0] = true;
            }
        };
        try {
            assertEquals(b.expectedMrenclave(), Sgxs.measure(file, progress).mrenclave().hex());
        } finally {
            java.nio.file.Files.delete(file);
        }
        assertEquals(stream.length, counted[0]);
        assertTrue(finished[0]);
        // A corrupted record deep in the third buffer is still found and named.
        byte[] corrupt = stream.clone();
        int at = new String(stream, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("EEXTEND", 2_500_000);
        corrupt[at + 9] ^= 0x40; // the chunk offset now lies outside its page
        SignerException e = refused(corrupt);
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        assertTrue(e.getMessage().contains("at byte " + at + ": EEXTEND offset"), e.getMessage());
    }

    @Test
    void refusesUnsizedStreams() {
        SignerException e = refused(new SgxsBuilder().unsized(1).eadd(0, 0x201).bytes());
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertEquals("record 1 at byte 0: UNSIZED record: the enclave size is not set yet, so this stream cannot be measured",
                e.getMessage());
    }

    @Test
    void refusesEextendOutsideThePageOfThePrecedingEadd() {
        SignerException e = refused(new SgxsBuilder().ecreate(1, 0x4000).eadd(0x1000, 0x201).eextend(0x2000, CHUNK).bytes());
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        assertEquals("record 3 at byte 128: EEXTEND offset 0x2000 is outside the page 0x1000 of the preceding EADD",
                e.getMessage());
        SignerException before = refused(new SgxsBuilder().ecreate(1, 0x4000).eextend(0, CHUNK).bytes());
        assertEquals("record 2 at byte 64: EEXTEND offset 0x0 comes before any EADD", before.getMessage());
    }

    @Test
    void refusesOffsetsBeyondSize() {
        SignerException e = refused(new SgxsBuilder().ecreate(1, 0x4000).eadd(0x4000, 0x201).bytes());
        assertEquals("record 2 at byte 64: EADD offset 0x4000 is beyond the enclave size 0x4000", e.getMessage());
        SignerException huge = refused(new SgxsBuilder().ecreate(1, 0x4000).eadd(-4096L, 0x201).bytes());
        assertEquals(ErrorKind.MALFORMED_INPUT, huge.kind());
    }

    @Test
    void refusesSizeNotAPowerOfTwo() {
        SignerException e = refused(new SgxsBuilder().ecreate(1, 0x5000).bytes());
        assertEquals("record 1 at byte 0: ECREATE size 0x5000 is not a power of two of at least 0x1000", e.getMessage());
        assertEquals(ErrorKind.MALFORMED_INPUT, refused(new SgxsBuilder().ecreate(1, 0x800).bytes()).kind());
        assertEquals(ErrorKind.MALFORMED_INPUT, refused(new SgxsBuilder().ecreate(0, 0x4000).bytes()).kind());
    }

    @Test
    void refusesTruncatedRecords() {
        byte[] whole = new SgxsBuilder().ecreate(1, 0x4000).eadd(0, 0x201).eextend(0, CHUNK).bytes();
        SignerException inData = refused(Arrays.copyOf(whole, whole.length - 10));
        assertEquals("record 3 at byte 128: truncated EEXTEND record, expected 320 bytes, the stream ends after 310",
                inData.getMessage());
        SignerException inHeader = refused(Arrays.copyOf(whole, 100));
        assertEquals("record 2 at byte 64: truncated record header, expected 64 bytes, the stream ends after 36",
                inHeader.getMessage());
    }

    @Test
    void refusesUnknownTagsAndNonZeroReservedBytes() {
        byte[] stream = new SgxsBuilder().ecreate(1, 0x4000).eadd(0, 0x201).bytes();
        stream[64] = 'X';
        SignerException tag = refused(stream);
        assertEquals("record 2 at byte 64: unknown tag \"XADD\\x00\\x00\\x00\\x00\", expected ECREATE, EADD, EEXTEND or UNMEASRD",
                tag.getMessage());
        byte[] reserved = new SgxsBuilder().ecreate(1, 0x4000).eadd(0, 0x201).bytes();
        reserved[64 + 40] = 1;
        assertEquals("record 2 at byte 64: EADD has a non-zero reserved byte at record offset 40", refused(reserved).getMessage());
        // Each record's reserved bytes, first and last: ECREATE's start half-way through a word (20).
        byte[] valid = new SgxsBuilder().ecreate(1, 0x4000).measuredPage(0, 0x201, 1).bytes();
        int eextend = 128;
        for (int[] c : new int[][] {{0, 20}, {0, 23}, {0, 24}, {0, 63}, {64, 24}, {64, 63}, {eextend, 16}, {eextend, 63}}) {
            byte[] dirty = valid.clone();
            dirty[c[0] + c[1]] = (byte) 0x80;
            String record = c[0] == 0 ? "record 1 at byte 0: ECREATE" : c[0] == 64 ? "record 2 at byte 64: EADD"
                    : "record 3 at byte 128: EEXTEND";
            assertEquals(record + " has a non-zero reserved byte at record offset " + c[1], refused(dirty).getMessage());
        }
    }

    @Test
    void refusesOrderingViolations() {
        assertEquals("record 3 at byte 128: EADD offset 0x1000 does not follow the previous page 0x1000",
                refused(new SgxsBuilder().ecreate(1, 0x4000).eadd(0x1000, 0x201).eadd(0x1000, 0x201).bytes()).getMessage());
        assertEquals("record 4 at byte 448: EEXTEND offset 0x100: this chunk was already added",
                refused(new SgxsBuilder().ecreate(1, 0x4000).eadd(0, 0x201).eextend(0x100, CHUNK).eextend(0x100, CHUNK).bytes())
                        .getMessage());
        assertEquals("record 2 at byte 64: a second ECREATE; a stream has exactly one, first",
                refused(new SgxsBuilder().ecreate(1, 0x4000).ecreate(1, 0x4000).bytes()).getMessage());
        assertEquals("record 1 at byte 0: EADD before ECREATE; a stream starts with ECREATE",
                refused(new SgxsBuilder().eadd(0, 0x201).bytes()).getMessage());
        assertEquals("record 3 at byte 128: EADD offset 0x1800 is not page-aligned",
                refused(new SgxsBuilder().ecreate(1, 0x4000).eadd(0, 0x201).eadd(0x1800, 0x201).bytes()).getMessage());
        assertEquals("record 3 at byte 128: EEXTEND offset 0x80 is not 256-byte aligned",
                refused(new SgxsBuilder().ecreate(1, 0x4000).eadd(0, 0x201).eextend(0x80, CHUNK).bytes()).getMessage());
        assertEquals("empty SGXS stream: expected an ECREATE record", refused(new byte[0]).getMessage());
    }
}
