package org.enclaveos.signer.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.measure.SgxsWriter;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.SdkEnclaveImage;
import org.enclaveos.signer.testing.SgxsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdkEnclaveLayoutTest {
    static final byte[] PLACEHOLDER = Sigstruct.builder().mrenclave(Hash256.sha256(new byte[0])).build().toBytes();

    @TempDir
    Path dir;

    Path write(byte[] file) throws IOException {
        return Files.write(dir.resolve("enclave" + System.nanoTime() + ".signed.so"), file);
    }

    @Test
    void bothBlocksBuildExactlyThePageStreamLaidOutByHand() throws IOException {
        byte[] file = SdkEnclaveImage.build(PLACEHOLDER);
        SgxsBuilder expected = SdkEnclaveImage.expected(file);
        SignedEnclave enclave = SignedEnclave.read(write(file));
        assertEquals("2.4", enclave.blocks().get(0).version());
        assertEquals("1.4", enclave.blocks().get(1).version());
        for (int i = 0; i < 2; i++) {
            ByteArrayOutputStream sgxs = new ByteArrayOutputStream();
            enclave.build(i, new SgxsWriter(sgxs));
            assertArrayEquals(expected.bytes(), sgxs.toByteArray(), "block " + i + ": the SGXS stream");
            assertEquals(expected.expectedMrenclave(), enclave.mrenclave(i).hex(), "block " + i);
            assertEquals(expected.expectedMrenclave(),
                    Sgxs.measure(new ByteArrayInputStream(sgxs.toByteArray())).mrenclave().hex());
        }
    }

    @Test
    void textBytesAreMeasuredCommentAndPatchedBytesAreNot() throws IOException {
        byte[] file = SdkEnclaveImage.build(PLACEHOLDER);
        Hash256 base = SignedEnclave.read(write(file)).mrenclave(0);

        byte[] text = file.clone();
        text[0x1234] ^= 1;
        assertNotEquals(base, SignedEnclave.read(write(text)).mrenclave(0));

        byte[] comment = file.clone();
        comment[SdkEnclaveImage.COMMENT_OFFSET + 2] ^= 1; // same file page as the end of .data, not in it
        assertEquals(base, SignedEnclave.read(write(comment)).mrenclave(0));

        byte[] patched = file.clone();
        patched[SdkEnclaveImage.DATA_OFFSET + 0x12] ^= 1; // overwritten by the patch table
        assertEquals(base, SignedEnclave.read(write(patched)).mrenclave(0));

        byte[] data = file.clone();
        data[SdkEnclaveImage.DATA_OFFSET + 0x40] ^= 1;
        assertNotEquals(base, SignedEnclave.read(write(data)).mrenclave(0));
    }

    SignerException refused(Consumer<ByteBuffer[]> tamper) throws IOException {
        Path f = write(SdkEnclaveImage.build(PLACEHOLDER, tamper));
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                assertThrows(SignerException.class, () -> SignedEnclave.read(f).mrenclave(0)));
    }

    static int entry(int index) {
        return SdkEnclaveImage.layoutOffset() + 32 * index;
    }

    @Test
    void hostileMetadataIsRefusedWithItsReason() throws IOException {
        SignerException huge = refused(b -> b[0].putInt(entry(0) + 4, 0xFFFFFFFF));
        assertEquals(ErrorKind.MALFORMED_INPUT, huge.kind());
        assertTrue(huge.getMessage().contains("layout entry 0 (id 0x1) at 0x6000 with 4294967295 pages lies outside"),
                huge.getMessage());

        SignerException overlap = refused(b -> b[0].putLong(entry(2) + 8, 0xA000)); // SSA onto the TCS page
        assertTrue(overlap.getMessage().contains("overlaps"), overlap.getMessage());

        SignerException group = refused(b -> b[0].putInt(entry(5) + 4, 0x7FFFFFFF)); // load_times
        assertTrue(group.getMessage().contains("expands to more than"), group.getMessage());

        SignerException dirOut = refused(b -> b[0].putInt(1884, 1 << 20)); // LAYOUT size beyond the block
        assertTrue(dirOut.getMessage().contains("LAYOUT directory"), dirOut.getMessage());

        SignerException notPow2 = refused(b -> b[0].putLong(40, 0x30000));
        assertTrue(notPow2.getMessage().contains("enclave_size 0x30000 is not a power of two"), notPow2.getMessage());

        SignerException ssa = refused(b -> b[0].putInt(24, 1000));
        assertTrue(ssa.getMessage().contains("ssa_frame_size is 1000 pages"), ssa.getMessage());

        SignerException nested = refused(b -> b[0].putShort(entry(5) + 2, (short) 6)); // repeats more entries than precede it
        assertEquals(ErrorKind.MALFORMED_INPUT, nested.kind());

        SignerException elrange = refused(b -> b[0].putLong(8, (12L << 32) | 0));
        assertEquals(ErrorKind.UNSUPPORTED, elrange.kind());
        SignerException v13 = refused(b -> b[0].putLong(8, (1L << 32) | 3));
        assertEquals(ErrorKind.UNSUPPORTED, v13.kind());
    }

    @Test
    void anEntryOfBillionsOfPagesIsRefusedBeforeHashingStarts() throws IOException {
        // A 128 TiB enclave holds 2^32-1 pages at 0x6000; measuring them would take about a day.
        SignerException day = refused(b -> {
            b[0].putLong(40, 1L << 47);
            b[0].putInt(entry(0) + 4, 0xFFFFFFFF);
        });
        assertEquals(ErrorKind.MALFORMED_INPUT, day.kind());
        assertTrue(day.getMessage().contains("the layout adds 42949673"), day.getMessage());
        assertTrue(day.getMessage().endsWith("more than --max-measured-size allows (68719476736 bytes); raise it if this "
                + "enclave is really that large"), day.getMessage());
        // A user's smaller limit refuses even the ordinary fixture.
        Path ok = write(SdkEnclaveImage.build(PLACEHOLDER));
        SignerException small = assertThrows(SignerException.class, () -> SignedEnclave.read(ok).mrenclave(0, 8192));
        assertTrue(small.getMessage().contains("more than --max-measured-size allows (8192 bytes)"), small.getMessage());
    }

    @Test
    void aMetadataBlockTooShortForItsDirectoriesIsMalformedNotAnInternalError() {
        for (int size = SdkMetadata.HEADER_SIZE + 16; size < SdkMetadata.HEADER_SIZE + 32; size++) {
            ByteBuffer b = ByteBuffer.allocate(size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putLong(8, (3L << 32) | 2).putInt(24, 1).putLong(40, 0x20000);
            int s = size;
            SignerException e = assertThrows(SignerException.class, () -> SdkMetadata.parse(b.array(), "x"), "size " + s);
            assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
            assertEquals("x: block size " + size + " is smaller than a v3.2 metadata header (1904 bytes with its 4 "
                    + "directories)", e.getMessage());
        }
    }

    @Test
    void resigningReplacesEverySigstructCopyAndNothingElse() throws IOException {
        byte[] file = SdkEnclaveImage.build(PLACEHOLDER);
        Path in = write(file);
        Sigstruct other = Sigstruct.builder().isvSvn(7).mrenclave(Hash256.sha256(new byte[] {1})).build();
        Path out = dir.resolve("resigned.so");
        SignedEnclave.read(in).writeResigned(other, out);
        byte[] written = Files.readAllBytes(out);
        assertEquals(file.length, written.length);
        for (int i = 0; i < 2; i++) {
            int at = (int) SdkEnclaveImage.sigstructOffset(i);
            assertArrayEquals(other.toBytes(), Arrays.copyOfRange(written, at, at + Sigstruct.SIZE));
            System.arraycopy(PLACEHOLDER, 0, written, at, Sigstruct.SIZE); // put the old bytes back...
        }
        assertArrayEquals(file, written, "...and the files are identical: no other byte changed");
        assertThrows(SignerException.class, () -> SignedEnclave.read(in).writeResigned(other, out), "never overwrites");
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        byte[] file = SdkEnclaveImage.build(PLACEHOLDER);
        Path f = write(Arrays.copyOf(file, SdkEnclaveImage.NOTE_OFFSET + 100));
        SignerException e = assertThrows(SignerException.class, () -> SignedEnclave.read(f));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
    }
}
