package org.enclaveos.signer.oe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.measure.PageSink;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.measure.SgxsWriter;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.OeEnclaveFixture;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Open Enclave enclaves built by {@link OeEnclaveFixture}: the loader's layout operation by operation,
 * what it patches into the image, the SGXS stream against the reported MRENCLAVE, what changes
 * MRENCLAVE and what does not, the signed file oesign would write, and hostile files.
 */
class OeEnclaveTest {
    static final long MAX = 64L << 30;

    @TempDir
    Path dir;

    /** Every operation, in order; EEXTENDed pages kept by offset. */
    static final class Recording implements PageSink {
        long ssa;
        long size;
        final List<long[]> eadds = new ArrayList<>();
        final Map<Long, byte[]> pages = new LinkedHashMap<>();

        @Override
        public void ecreate(long ssaFrameSize, long enclaveSize) {
            ssa = ssaFrameSize;
            size = enclaveSize;
        }

        @Override
        public void eadd(long offset, long flags) {
            eadds.add(new long[] {offset, flags});
        }

        @Override
        public void eextend(long offset, byte[] data, int from) {
            byte[] page = pages.computeIfAbsent(offset & -4096L, k -> new byte[4096]);
            System.arraycopy(data, from, page, (int) (offset & 4095), 256);
        }
    }

    Path write(OeEnclaveFixture fixture) throws IOException {
        return Files.write(Files.createTempFile(dir, "enclave", ""), fixture.build());
    }

    @Test
    void theLayoutIsTheLoadersPageByPage() throws IOException {
        OeEnclave e = OeEnclave.read(write(new OeEnclaveFixture()));
        Recording r = new Recording();
        e.build(e.properties(), r, MAX);
        // image 0x5000, relocations 0x1000, heap 2, then guard, stack 2, guard, TCS, 2 SSA, guard, 1 TLS, 1 data page.
        assertEquals(1, r.ssa);
        assertEquals(0x20000, r.size, "0x12000 bytes loaded, rounded up to a power of two");
        long[][] expected = {{0x0, 0x201}, {0x1000, 0x205}, {0x2000, 0x201}, {0x3000, 0x203}, {0x4000, 0x203},
            {0x5000, 0x201}, {0x6000, 0x203}, {0x7000, 0x203}, {0x9000, 0x203}, {0xA000, 0x203}, {0xC000, 0x100},
            {0xD000, 0x203}, {0xE000, 0x203}, {0x10000, 0x203}, {0x11000, 0x203}};
        assertEquals(expected.length, r.eadds.size());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], r.eadds.get(i), "EADD " + i);
        }
        assertEquals(List.of(0x0L, 0x1000L, 0x2000L, 0x3000L, 0x4000L, 0x5000L, 0x9000L, 0xA000L, 0xC000L, 0xD000L, 0xE000L,
                0x10000L, 0x11000L), new ArrayList<>(r.pages.keySet()), "heap pages are added, not measured");

        byte[] tcs = r.pages.get(0xC000L);
        assertEquals(0xD000, LittleEndian.u64(tcs, 16), "OSSA: the page after the TCS");
        assertEquals(2, LittleEndian.u32(tcs, 28), "NSSA");
        assertEquals(OeEnclaveFixture.TEXT, LittleEndian.u64(tcs, 32), "OENTRY: e_entry");
        assertEquals(0x11000, LittleEndian.u64(tcs, 48), "FS base: past the TLS page and the four control pages");
        assertEquals(0x11000, LittleEndian.u64(tcs, 56), "GS base = FS base");
        assertEquals(-1, LittleEndian.u32(tcs, 64));
        assertEquals(-1, LittleEndian.u32(tcs, 68));
        byte[] stack = r.pages.get(0x9000L);
        byte[] cc = new byte[4096];
        Arrays.fill(cc, (byte) 0xCC);
        assertArrayEquals(cc, stack);

        byte[] oeinfo = r.pages.get(0x2000L);
        assertEquals(List.of(0x2000L, 1960L, 0x5000L, 0x1000L, 0x6000L, 0x20000L),
                List.of(LittleEndian.u64(oeinfo, 96), LittleEndian.u64(oeinfo, 104), LittleEndian.u64(oeinfo, 112),
                        LittleEndian.u64(oeinfo, 120), LittleEndian.u64(oeinfo, 128), LittleEndian.u64(oeinfo, 136)),
                "image_info: oeinfo rva and size, relocations right after the image, heap after them, enclave size");
        byte[] data = r.pages.get(0x3000L);
        long[] slots = {0x3040, 0x5000, 0x1000, 0x3000, 8, 8, 8, 8, 0x5000};
        for (int i = 0; i < slots.length; i++) {
            assertEquals(slots[i], LittleEndian.u64(data, 0x40 + 8 * i), OeEnclaveFixture.LOADER_SYMBOLS[i]);
        }
        byte[] relocations = r.pages.get(0x5000L);
        assertEquals(OeEnclaveFixture.TLS_VAR_VALUE, LittleEndian.u64(relocations, 24 + 16),
                "a TPOFF64 relocation carries its symbol's value as the addend");
        assertEquals(OeEnclaveFixture.TEXT, LittleEndian.u64(relocations, 16), "RELATIVE keeps its addend");
    }

    @Test
    void theSgxsStreamMeasuresToTheReportedMrenclave() throws IOException {
        OeEnclave e = OeEnclave.read(write(new OeEnclaveFixture()));
        ByteArrayOutputStream sgxs = new ByteArrayOutputStream();
        e.build(e.properties(), new SgxsWriter(sgxs), MAX);
        assertEquals(e.measure(e.properties(), MAX), Sgxs.measure(new ByteArrayInputStream(sgxs.toByteArray())).mrenclave());
    }

    @Test
    void aMeasuredByteChangesMrenclaveAndACommentByteDoesNot() throws IOException {
        byte[] file = new OeEnclaveFixture().build();
        Hash256 base = measure(file);
        byte[] text = file.clone();
        text[OeEnclaveFixture.TEXT + 0x10] ^= 1;
        assertNotEquals(base, measure(text));
        byte[] comment = file.clone();
        comment[OeEnclaveFixture.commentOffset()] ^= 1;
        assertEquals(base, measure(comment));
        byte[] signedInPlace = file.clone();
        signedInPlace[OeEnclaveFixture.OEINFO + 144 + 500] = 42;
        assertEquals(base, measure(signedInPlace), "the SIGSTRUCT in .oeinfo is zeroed before measuring");
        byte[] imageInfo = file.clone();
        imageInfo[OeEnclaveFixture.OEINFO + 100] = 9;
        assertEquals(base, measure(imageInfo), "image_info is the loader's to fill in");
        byte[] slot = file.clone();
        slot[OeEnclaveFixture.SLOTS + 3] = 9;
        assertEquals(base, measure(slot), "a loader slot is overwritten before measuring");
    }

    private Hash256 measure(byte[] file) throws IOException {
        OeEnclave e = OeEnclave.read(Files.write(Files.createTempFile(dir, "e", ""), file));
        return e.measure(e.properties(), MAX);
    }

    @Test
    void aConfigurationOverridesTheFilesProperties() throws IOException {
        OeEnclave e = OeEnclave.read(write(new OeEnclaveFixture().debug(false)));
        OeProperties p = OeConfig.parse("# oesign\nDebug=1\nNumHeapPages = 5\nNumStackPages\t3\nNumTCS=2\nProductID=9\n"
                + "SecurityVersion=11\n").applyTo(e.properties());
        assertEquals(List.of(5L, 3L, 2L, 9, 11, true), List.of(p.heapPages(), p.stackPages(), p.tcsCount(), p.productId(),
                p.securityVersion(), p.debug()));
        Recording r = new Recording();
        e.build(p, r, MAX);
        assertEquals(2, r.eadds.stream().filter(a -> a[1] == 0x100).count(), "two TCS");
        assertNotEquals(e.measure(e.properties().withHeapPages(2), MAX), e.measure(p, MAX));
        assertNotEquals(e.measure(e.properties(), MAX), e.measure(e.properties().withDebug(true), MAX),
                "the properties are in the measured image");
    }

    @Test
    void oesignConfigurationErrorsAreNamedByLine() {
        String[][] bad = {
            {"Debug=2", "line 1: bad value for 'Debug': 2 (expected 0 to 1)"},
            {"NumTCS=33", "line 1: bad value for 'NumTCS': 33 (expected 1 to 32)"},
            {"NumHeapPages=-1", "line 1: bad value for 'NumHeapPages': -1 (expected 1 to 2251799813685247)"},
            {"ProductID=1\nProductID=2", "line 2: duplicate 'ProductID' value provided"},
            {"Colour=blue", "line 1: unknown setting Colour"},
            {"Debug", "line 1: syntax error (expected NAME=VALUE)"},
        };
        for (String[] b : bad) {
            SignerException e = assertThrows(SignerException.class, () -> OeConfig.parse(b[0]));
            assertEquals(b[1], e.getMessage());
            assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        }
        SignerException zeroBase = assertThrows(SignerException.class, () -> OeConfig.parse("CreateZeroBaseEnclave=1"));
        assertEquals(ErrorKind.UNSUPPORTED, zeroBase.kind());
    }

    @Test
    void theSignedFileDiffersOnlyInOeinfoAndMeasuresTheSame() throws IOException {
        Path in = write(new OeEnclaveFixture());
        OeEnclave e = OeEnclave.read(in);
        OeProperties p = e.properties().withHeapPages(4);
        Sigstruct s = Requests.production(1);
        Path out = dir.resolve("signed");
        e.writeSigned(p.withSigstruct(s), out);
        byte[] before = Files.readAllBytes(in);
        byte[] after = Files.readAllBytes(out);
        assertEquals(before.length, after.length);
        for (int i = 0; i < before.length; i++) {
            if (before[i] != after[i]) {
                assertTrue(i >= OeEnclaveFixture.OEINFO && i < OeEnclaveFixture.OEINFO + 1960, "byte " + i + " changed");
            }
        }
        OeEnclave signed = OeEnclave.read(out);
        assertEquals(s, signed.sigstruct().orElseThrow());
        assertEquals(4, signed.properties().heapPages());
        assertEquals(e.measure(p, MAX), signed.measure(signed.properties(), MAX));
        SignerException exists = assertThrows(SignerException.class, () -> e.writeSigned(p, out));
        assertEquals(ErrorKind.OUTPUT_EXISTS, exists.kind());
    }

    @Test
    void hostileFilesAreRefusedBeforeTheyCostTime() throws IOException {
        OeEnclave big = OeEnclave.read(write(new OeEnclaveFixture().heap(1L << 40)));
        SignerException heap = assertThrows(SignerException.class, () -> big.measure(big.properties(), MAX));
        assertTrue(heap.getMessage().contains("more than --max-measured-size allows"), heap.getMessage());
        OeEnclave threads = OeEnclave.read(write(new OeEnclaveFixture().tcs(33)));
        assertThrows(SignerException.class, () -> threads.measure(threads.properties(), MAX));
        OeEnclave overflow = OeEnclave.read(write(new OeEnclaveFixture().stack(Long.MAX_VALUE / 2)));
        SignerException o = assertThrows(SignerException.class, () -> overflow.measure(overflow.properties(), MAX));
        assertTrue(o.getMessage().contains("overflow"), o.getMessage());

        Map<OeEnclaveFixture, String> refused = new LinkedHashMap<>();
        refused.put(new OeEnclaveFixture().propertiesSize(1952), "this tool reads Open Enclave 0.17's and later layout");
        refused.put(new OeEnclaveFixture().relocationType(37), "relocation type 37 at entry 0");
        refused.put(new OeEnclaveFixture().withoutEnclaveRvaSymbol(), "no _enclave_rva dynamic symbol");
        refused.put(new OeEnclaveFixture().textFileOffset(1L << 40), "PT_LOAD segment 1 at file offset");
        for (Map.Entry<OeEnclaveFixture, String> c : refused.entrySet()) {
            Path f = write(c.getKey());
            SignerException e = assertThrows(SignerException.class, () -> OeEnclave.read(f));
            assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains(c.getValue()), e.getMessage());
        }
    }

    /** The built file with the 8 bytes at {@code offset} replaced. */
    static byte[] patched(byte[] file, int offset, long value) {
        byte[] b = file.clone();
        LittleEndian.putU64(b, offset, value);
        return b;
    }

    @Test
    void imagePagesAreTheSegmentsFileBytesThenZeros() throws IOException {
        byte[] file = new OeEnclaveFixture().build();
        OeEnclave e = OeEnclave.read(Files.write(dir.resolve("e"), file));
        Recording r = new Recording();
        e.build(e.properties(), r, MAX);
        byte[] first = Arrays.copyOf(Arrays.copyOf(file, 0x900), 4096);
        assertArrayEquals(first, r.pages.get(0L), "segment 0: 0x900 bytes from the file, the rest zero");
        byte[] text = Arrays.copyOf(Arrays.copyOfRange(file, OeEnclaveFixture.TEXT, OeEnclaveFixture.TEXT + 0x100), 4096);
        assertArrayEquals(text, r.pages.get((long) OeEnclaveFixture.TEXT), "segment 1: 0x100 bytes, the rest zero");
        byte[] data = r.pages.get((long) OeEnclaveFixture.DATA);
        assertArrayEquals(Arrays.copyOfRange(file, OeEnclaveFixture.DATA, OeEnclaveFixture.SLOTS),
                Arrays.copyOf(data, 0x40), ".tdata and .data before the slots");
        assertArrayEquals(new byte[4096 - 0x100], Arrays.copyOfRange(data, 0x100, 4096), "bss");
        assertArrayEquals(new byte[4096], r.pages.get(0x4000L), "bss page");
        byte[] oeinfo = r.pages.get((long) OeEnclaveFixture.OEINFO);
        assertArrayEquals(Arrays.copyOfRange(file, OeEnclaveFixture.OEINFO, OeEnclaveFixture.OEINFO + 96),
                Arrays.copyOf(oeinfo, 96), "header and config as in the file");
        assertArrayEquals(new byte[Sigstruct.SIZE], Arrays.copyOfRange(oeinfo, 144, 144 + Sigstruct.SIZE));
        assertEquals(0xececececececececL, LittleEndian.u64(oeinfo, 1952), "end marker kept");
        assertArrayEquals(new byte[4096 - 1960], Arrays.copyOfRange(oeinfo, 1960, 4096));
    }

    @Test
    void aSegmentEndingOnAPageBoundaryAddsNoExtraPageAndTlsRoundsToItsAlignment() throws IOException {
        int phText = OeEnclaveFixture.PHDRS + 56;
        byte[] file = patched(patched(new OeEnclaveFixture().build(), phText + 32, 0x1000), phText + 40, 0x1000);
        file = patched(file, OeEnclaveFixture.SHDRS + 64 * OeEnclaveFixture.SECTION_TDATA + 32, 0x1000);
        file = patched(file, OeEnclaveFixture.SHDRS + 64 * OeEnclaveFixture.SECTION_TBSS + 32, 1);
        OeEnclave e = OeEnclave.read(Files.write(dir.resolve("e"), file));
        assertEquals(2, e.tlsPages(), ".tdata 0x1000 + .tbss 1 rounded to 8: two pages");
        Recording r = new Recording();
        e.build(e.properties(), r, MAX);
        assertEquals(1, r.eadds.stream().filter(a -> a[1] == 0x205).count(), "one text page");
        byte[] tcs = r.pages.get(0xC000L);
        assertEquals(0xC000 + 6 * 4096, LittleEndian.u64(tcs, 48), "FS base past two TLS pages and four control pages");
        assertEquals(0x6000, LittleEndian.u64(r.pages.get((long) OeEnclaveFixture.DATA), 0x40 + 8 * 8),
                "_td_from_tcs_offset");
        assertEquals(0x1000, LittleEndian.u64(r.pages.get((long) OeEnclaveFixture.DATA), 0x40 + 8 * 4), "_tdata_size");
        assertEquals(1, LittleEndian.u64(r.pages.get((long) OeEnclaveFixture.DATA), 0x40 + 8 * 6), "_tbss_size");
    }

    @Test
    void aSegmentStartingInsideAPageKeepsItsBytesInPlace() throws IOException {
        int ph = OeEnclaveFixture.PHDRS + 56 * 3;
        byte[] file = new OeEnclaveFixture().build();
        file = patched(patched(patched(patched(file, ph + 8, 0x3008), ph + 16, 0x3008), ph + 32, 0xF8), ph + 40, 0x10F8);
        OeEnclave e = OeEnclave.read(Files.write(dir.resolve("e"), file));
        Recording r = new Recording();
        e.build(e.properties(), r, MAX);
        byte[] page = r.pages.get((long) OeEnclaveFixture.DATA);
        assertArrayEquals(new byte[8], Arrays.copyOf(page, 8), "before the segment: zero, not .tdata");
        assertArrayEquals(Arrays.copyOfRange(file, OeEnclaveFixture.DATA + 8, OeEnclaveFixture.SLOTS),
                Arrays.copyOfRange(page, 8, 0x40), "the segment's bytes at their addresses");
        // .tdata 0xff8 and .tbss 8, each aligned to 8: exactly one page.
        byte[] tls = patched(new OeEnclaveFixture().build(), OeEnclaveFixture.SHDRS + 64 * OeEnclaveFixture.SECTION_TDATA
                + 32, 0xff8);
        assertEquals(1, OeEnclave.read(Files.write(dir.resolve("tls"), tls)).tlsPages());
    }

    @Test
    void countsAtTheirLimitsAndJustPast() throws IOException {
        OeEnclave e = OeEnclave.read(write(new OeEnclaveFixture()));
        OeProperties p = e.properties();
        e.measure(p.withTcsCount(32).withHeapPages(1).withStackPages(1), MAX);
        for (OeProperties bad : List.of(p.withTcsCount(33), p.withTcsCount(0), p.withHeapPages(0), p.withStackPages(0))) {
            SignerException x = assertThrows(SignerException.class, () -> e.measure(bad, MAX));
            assertTrue(x.getMessage().contains("Open Enclave needs at least 1 of each and at most 32 TCS"), x.getMessage());
        }
        // 0x12000 bytes of pages: exactly that is enough, a page less is not.
        assertEquals(e.measure(p, 0x12000), e.measure(p, MAX));
        assertThrows(SignerException.class, () -> e.measure(p, 0x11000));
        // A layout of exactly a power of two keeps its size: 0x20000 with 14 more heap pages.
        Recording r = new Recording();
        e.build(p.withHeapPages(2 + 14), r, MAX);
        assertEquals(0x20000, r.size);
        Recording over = new Recording();
        e.build(p.withHeapPages(2 + 15), over, MAX);
        assertEquals(0x40000, over.size);
        SignerException zeroBase = assertThrows(SignerException.class, () -> e.measure(withFlags(p, 2), MAX));
        assertEquals(ErrorKind.UNSUPPORTED, zeroBase.kind());
        e.measure(withFlags(p, 1), MAX);
    }

    private static OeProperties withFlags(OeProperties p, int flags) {
        byte[] b = p.toBytes();
        LittleEndian.putU32(b, 36, flags);
        return OeProperties.parse(b);
    }

    @Test
    void propertiesReadAndCompareAsTheyAre() throws IOException {
        Path signedFile = dir.resolve("s");
        OeEnclave e = OeEnclave.read(write(new OeEnclaveFixture().debug(false)));
        assertTrue(!e.properties().debug() && e.sigstruct().isEmpty());
        assertEquals(e.properties(), OeProperties.parse(e.properties().toBytes()));
        assertEquals(e.properties().hashCode(), OeProperties.parse(e.properties().toBytes()).hashCode());
        assertNotEquals(e.properties(), e.properties().withDebug(true));
        assertEquals(e.properties(), e.properties().withDebug(true).withDebug(false));
        assertEquals(List.of(7, 3, 0), List.of(e.properties().productId(), e.properties().securityVersion(),
                e.properties().flags()));
        byte[] oneByte = new byte[Sigstruct.SIZE];
        oneByte[Sigstruct.SIZE - 1] = 1;
        byte[] raw = e.properties().toBytes();
        System.arraycopy(oneByte, 0, raw, 144, Sigstruct.SIZE);
        SignerException notASigstruct = assertThrows(SignerException.class, () -> OeProperties.parse(raw).sigstruct());
        assertEquals(ErrorKind.MALFORMED_INPUT, notASigstruct.kind(), "a non-zero SIGSTRUCT is parsed, and this one is not one");
        e.writeSigned(e.properties().withSigstruct(Requests.production(2)), signedFile);
        assertEquals(Requests.production(2), OeEnclave.read(signedFile).sigstruct().orElseThrow());
        assertEquals(OeEnclaveFixture.OEINFO, OeEnclave.read(signedFile).oeinfoFileOffset());
        assertEquals(0x5000, e.imageSize());
        assertEquals(0x1000, e.relocationSize());
    }

    @Test
    void onlyAnElfWithOeinfoIsAnOeEnclave() throws IOException {
        assertTrue(OeEnclave.isOeEnclave(write(new OeEnclaveFixture())));
        assertTrue(!OeEnclave.isOeEnclave(Files.write(dir.resolve("sdk.so"), new org.enclaveos.signer.testing.SdkEnclaveFixture()
                .block(2, 4, Requests.production(1).toBytes(), 4104).build())));
        assertTrue(!OeEnclave.isOeEnclave(Files.writeString(dir.resolve("text"), "not an ELF at all")));
        assertTrue(!OeEnclave.isOeEnclave(Files.write(dir.resolve("short"), new byte[] {0x7F, 'E', 'L', 'F'})));
        assertTrue(!OeEnclave.isOeEnclave(dir.resolve("missing")));
        SignerException sdk = assertThrows(SignerException.class, () -> OeEnclave.read(dir.resolve("sdk.so")));
        assertTrue(sdk.getMessage().endsWith("not an Open Enclave enclave: no .oeinfo section"), sdk.getMessage());
        Path conf = Files.writeString(dir.resolve("c.conf"), "Debug=0\nNumTCS=32\nNumHeapPages=1\nProductID=65535\n");
        OeConfig c = OeConfig.read(conf);
        OeProperties p = c.applyTo(OeEnclave.read(write(new OeEnclaveFixture().debug(true))).properties());
        assertEquals(List.of(false, 32L, 1L, 65535), List.of(p.debug(), p.tcsCount(), p.heapPages(), p.productId()));
        SignerException named = assertThrows(SignerException.class, () -> OeConfig.read(
                Files.writeString(dir.resolve("bad.conf"), "NumTCS=0\n")));
        assertEquals(conf.resolveSibling("bad.conf") + ": line 1: bad value for 'NumTCS': 0 (expected 1 to 32)",
                named.getMessage());
    }

    @Test
    void everyHostileHeaderValueIsRefusedByName() throws IOException {
        byte[] good = new OeEnclaveFixture().build();
        int ph = OeEnclaveFixture.PHDRS;
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("sizes out of range", patched(good, ph + 56 + 32, 0x200));        // text filesz > memsz
        cases.put("are out of order or share a page", patched(good, ph + 56 * 2 + 16, 0x1000)); // oeinfo vaddr = text's
        cases.put("are out of order or share a page ", patched(good, ph + 56 + 40, 0x1001)); // text reaches the next page
        cases.put("the first PT_LOAD segment is at 0x1000", patched(good, ph + 16, 0x1000));
        cases.put("has no page protections", patched(good, ph + 56 + 4, 0));
        cases.put(".oeinfo at 0x4859 lies outside the loaded image", patched(good,
                OeEnclaveFixture.SHDRS + 64 * OeEnclaveFixture.SECTION_OEINFO + 16, 0x4859));
        cases.put("thread-local sections (.tdata, .tbss) larger than 4 GiB", patched(good,
                OeEnclaveFixture.SHDRS + 64 * OeEnclaveFixture.SECTION_TBSS + 32, (1L << 32) + 1));
        cases.put("dynamic symbol _enclave_rva at 0x4ff9 lies outside the image", patched(good,
                OeEnclaveFixture.DYNSYM_AT + 24 + 8, 0x4ff9));
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            Path f = Files.write(Files.createTempFile(dir, "hostile", ""), c.getValue());
            SignerException e = assertThrows(SignerException.class, () -> OeEnclave.read(f), c.getKey());
            assertTrue(e.getMessage().contains(c.getKey().strip()), c.getKey() + ": " + e.getMessage());
        }
        // At the limits: .oeinfo ending with the image, a symbol in its last 8 bytes, 4 GiB of .tbss are still read.
        OeEnclave.read(Files.write(dir.resolve("edge0"), patched(good,
                OeEnclaveFixture.SHDRS + 64 * OeEnclaveFixture.SECTION_OEINFO + 16, 0x5000 - 1960)));
        OeEnclave.read(Files.write(dir.resolve("edge1"), patched(good, OeEnclaveFixture.DYNSYM_AT + 24 + 8, 0x4ff8)));
        OeEnclave.read(Files.write(dir.resolve("edge2"), patched(good,
                OeEnclaveFixture.SHDRS + 64 * OeEnclaveFixture.SECTION_TBSS + 32, 1L << 32)));
    }
}
