package org.enclaveos.signer.layout;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.measure.SgxsWriter;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.testing.SgxsBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutManifestTest {
    @TempDir
    Path dir;
    byte[] code;
    byte[] tcs;

    @BeforeEach
    void contentFiles() throws IOException {
        code = new byte[0x2800 + 0x80];
        for (int i = 0; i < code.length; i++) {
            code[i] = (byte) (i * 31 + 7);
        }
        Files.createDirectories(dir.resolve("bin"));
        Files.write(dir.resolve("bin/enclave.bin"), code);
        tcs = new byte[72];
        tcs[16] = 0x10;
        tcs[33] = 0x20;
    }

    /** text (file, 3 pages, 0x2800 bytes from offset 0x80), tcs (inline), stack (fill), heap (sgx1 only), config (mask). */
    String manifest() {
        return """
            {
              "schema": "enclaveos-signer/layout/v1",
              "enclave": {"size": "0x100000", "ssaFrameSize": 1},
              "ranges": [
                {"name": "text", "offset": "0x0", "pages": 3, "flags": "0x205",
                 "content": {"file": "bin/enclave.bin", "offset": 128, "length": 10240}},
                {"name": "tcs", "offset": "0x4000", "pages": 1, "flags": "0x100", "content": {"inline": "%s"}},
                {"name": "stack", "offset": "0x5000", "pages": 2, "flags": "0x203", "content": {"fill": "0xcccccccc"}},
                {"name": "config", "offset": "0x7000", "pages": 1, "flags": "0x201", "measure": "0x0003",
                 "content": {"inline": "aGVsbG8="}},
                {"name": "heap", "offset": "0x8000", "pages": 8, "flags": "0x207", "measure": "none", "models": ["sgx1"]},
                {"name": "tail", "offset": "0x10000", "pages": 1, "flags": "0x201", "models": ["full", "minimal"]}
              ]
            }
            """.formatted(Base64.getEncoder().encodeToString(tcs));
    }

    /** The same enclave written by hand as SGXS. */
    SgxsBuilder expected(boolean heap) {
        SgxsBuilder b = new SgxsBuilder().ecreate(1, 0x100000);
        for (int p = 0; p < 3; p++) {
            byte[] page = new byte[4096];
            int n = Math.max(0, Math.min(4096, 0x2800 - p * 4096));
            System.arraycopy(code, 0x80 + p * 4096, page, 0, n);
            b.page(p * 4096L, 0x205, page);
        }
        b.page(0x4000, 0x100, Arrays.copyOf(tcs, 4096));
        byte[] cc = new byte[4096];
        Arrays.fill(cc, (byte) 0xCC);
        b.page(0x5000, 0x203, cc).page(0x6000, 0x203, cc);
        byte[] config = Arrays.copyOf("hello".getBytes(StandardCharsets.US_ASCII), 4096);
        b.eadd(0x7000, 0x201).eextend(0x7000, Arrays.copyOfRange(config, 0, 256)).eextend(0x7100, new byte[256]);
        if (heap) {
            for (long p = 0x8000; p < 0x10000; p += 0x1000) {
                b.eadd(p, 0x207);
            }
        }
        b.page(0x10000, 0x201, new byte[4096]);
        return b;
    }

    LayoutManifest parse(String json) {
        return LayoutManifest.parse(json.getBytes(StandardCharsets.UTF_8), "layout.json");
    }

    @Test
    void measuresLikeTheEquivalentSgxsForEachModel() {
        LayoutManifest m = parse(manifest());
        ContentSource content = ContentSource.directory(dir);
        Map<MemoryModel, Hash256> both = LayoutBuilder.measure(m, EnumSet.allOf(MemoryModel.class), content);
        assertEquals(expected(true).expectedMrenclave(), both.get(MemoryModel.SGX1).hex());
        assertEquals(expected(false).expectedMrenclave(), both.get(MemoryModel.SGX2).hex());
        assertNotEquals(both.get(MemoryModel.SGX1), both.get(MemoryModel.SGX2));
        // Measured alone, each model gives the same value: the shared prefix was forked, not reused wrongly.
        assertEquals(both.get(MemoryModel.SGX1), LayoutBuilder.measure(m, EnumSet.of(MemoryModel.SGX1), content).get(MemoryModel.SGX1));
        assertEquals(both.get(MemoryModel.SGX2), LayoutBuilder.measure(m, EnumSet.of(MemoryModel.SGX2), content).get(MemoryModel.SGX2));
    }

    @Test
    void exportsTheExactSgxsStream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayoutBuilder.build(parse(manifest()), MemoryModel.SGX1, ContentSource.directory(dir), new SgxsWriter(out));
        assertArrayEquals(expected(true).bytes(), out.toByteArray());
    }

    @Test
    void aHugeFreeHeapIsOneLine() {
        String big = """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x1000000000", "ssaFrameSize": 1},
             "ranges": [
               {"name": "code", "offset": 0, "pages": 1, "flags": "0x205"},
               {"name": "heap", "offset": "0x1000", "pages": 16777215, "flags": "0x207", "measure": "none", "models": ["sgx1"]}
             ]}
            """;
        LayoutManifest m = parse(big);
        assertEquals(1L << 36, m.enclaveSize());
        assertEquals(16777215, m.ranges().get(1).pages());
        // The minimal layout skips the heap entirely; the full one is 16M EADD blocks (benchmarked, not timed here).
        Hash256 minimal = LayoutBuilder.measure(m, EnumSet.of(MemoryModel.SGX2), ContentSource.directory(dir)).get(MemoryModel.SGX2);
        assertEquals(new SgxsBuilder().ecreate(1, 1L << 36).page(0, 0x205, new byte[4096]).expectedMrenclave(), minimal.hex());
    }

    @Test
    void aTinyManifestDeclaringDaysOfHashingIsRefusedBeforeTheFirstPage() {
        // 186 bytes: 2^35 EADD-only pages of a 128 TiB enclave. Counting, not hashing, must refuse it.
        String day = "{\"schema\":\"enclaveos-signer/layout/v1\",\"enclave\":{\"size\":\"0x800000000000\",\"ssaFrameSize\":1},"
                + "\"ranges\":[{\"name\":\"h\",\"offset\":0,\"pages\":34359738368,\"flags\":\"0x207\",\"measure\":\"none\"}]}";
        assertTrue(day.length() < 200, "" + day.length());
        LayoutManifest m = parse(day);
        SignerException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> assertThrows(SignerException.class,
                () -> LayoutBuilder.measure(m, EnumSet.of(MemoryModel.SGX1), ContentSource.directory(dir))));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        assertTrue(e.getMessage().startsWith("layout manifest, sgx1 layout: the layout adds 34359738368 pages (131072.0 GiB"),
                e.getMessage());
        assertTrue(e.getMessage().contains("more than --max-measured-size allows (68719476736 bytes)"), e.getMessage());
        SignerException built = assertThrows(SignerException.class, () -> LayoutBuilder.build(m, MemoryModel.SGX1,
                ContentSource.directory(dir), new SgxsWriter(new ByteArrayOutputStream()), 1L << 40));
        assertTrue(built.getMessage().contains("more than --max-measured-size allows (1099511627776 bytes)"), built.getMessage());
        // The limit is the user's: a smaller one refuses a manifest the default admits.
        LayoutManifest small = parse(manifest());
        assertThrows(SignerException.class, () -> LayoutBuilder.measure(small, EnumSet.of(MemoryModel.SGX1),
                ContentSource.directory(dir), 4096));
    }

    @Test
    void refusesWhatIsNotALayout() {
        String ok = manifest();
        assertBad(ok.replace("\"flags\": \"0x100\"", "\"flags\": \"0x100\", \"color\": 1"), "unknown key 'color'");
        assertBad(ok.replace("\"offset\": \"0x5000\"", "\"offset\": \"0x4000\""), "overlaps or precedes range 'tcs'");
        assertBad(ok.replace("\"size\": \"0x100000\"", "\"size\": \"0x10000\""), "is not a page-aligned range inside the enclave");
        assertBad(ok.replace("\"size\": \"0x100000\"", "\"size\": \"0x180000\""), "is not a power of two");
        assertBad(ok.replace("\"offset\": \"0x4000\"", "\"offset\": \"0x4010\""), "is not a page-aligned range");
        assertBad(ok.replace("\"models\": [\"sgx1\"]", "\"models\": [\"sgx3\"]"), "memory model must be");
        SignerException schema = assertThrows(SignerException.class, () -> parse(ok.replace("layout/v1", "layout/v9")));
        assertEquals(ErrorKind.UNSUPPORTED, schema.kind());
    }

    @Test
    void contentMustStayBelowTheManifestAndBeLongEnough() {
        LayoutManifest escape = parse(manifest().replace("bin/enclave.bin", "../../etc/passwd"));
        SignerException e = assertThrows(SignerException.class,
                () -> LayoutBuilder.measure(escape, EnumSet.of(MemoryModel.SGX1), ContentSource.directory(dir)));
        assertTrue(e.getMessage().contains("is not below the manifest's directory"), e.getMessage());

        LayoutManifest tooShort = parse(manifest().replace("\"offset\": 128, \"length\": 10240", "\"offset\": 4096, \"length\": 10240"));
        SignerException s = assertThrows(SignerException.class,
                () -> LayoutBuilder.measure(tooShort, EnumSet.of(MemoryModel.SGX1), ContentSource.directory(dir)));
        assertTrue(s.getMessage().contains("bin/enclave.bin ends"), s.getMessage());
    }

    void assertBad(String json, String expected) {
        SignerException e = assertThrows(SignerException.class, () -> parse(json));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
