package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageMeasureTest {
    @TempDir
    Path dir;

    @Test
    void measuresBothLayoutsToTheConvertersMrenclaves() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ResolvedImage image = ResolvedImage.open(f.write(dir), null);
        Map<MemoryModel, ImageMeasure.Result> r = ImageMeasure.measure(image, EnumSet.allOf(MemoryModel.class),
                ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE);
        assertEquals(f.sgx1.expectedMrenclave(), r.get(MemoryModel.SGX1).mrenclave().hex());
        assertEquals(f.sgx2Mrenclave(), r.get(MemoryModel.SGX2).mrenclave().hex());
        assertEquals(f.sgx1Signature.mrenclave(), r.get(MemoryModel.SGX1).mrenclave());
        assertEquals(f.sgx2Signature.mrenclave(), r.get(MemoryModel.SGX2).mrenclave());
        assertEquals("/enclave/layout.json", r.get(MemoryModel.SGX2).layoutPath());
    }

    @Test
    void bothLabelsMayNameOneManifestForBothModels() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        String manifest = """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x10000", "ssaFrameSize": 1},
             "ranges": [{"name": "image", "offset": 0, "pages": 2, "flags": "0x205",
                         "content": {"file": "app.bin", "offset": 0, "length": 8192}},
                        {"name": "heap", "offset": "0x2000", "pages": 3, "flags": "0x207", "measure": "none",
                         "models": ["sgx1"]}]}
            """;
        org.enclaveos.signer.testing.SgxsBuilder sgx1 = new org.enclaveos.signer.testing.SgxsBuilder().ecreate(1, 0x10000)
                .page(0, 0x205, java.util.Arrays.copyOfRange(f.sgx2Content, 0, 4096))
                .page(0x1000, 0x205, java.util.Arrays.copyOfRange(f.sgx2Content, 4096, 8192))
                .eadd(0x2000, 0x207).eadd(0x3000, 0x207).eadd(0x4000, 0x207);
        java.util.Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("enclave/layout.json", manifest.getBytes(StandardCharsets.UTF_8));
        files.put("enclave/app.bin", f.sgx2Content);
        org.enclaveos.signer.sgx.Sigstruct placeholder = org.enclaveos.signer.sgx.Sigstruct.builder()
                .mrenclave(org.enclaveos.signer.sgx.Hash256.sha256(new byte[0])).build();
        ImageReference ref = SampleImage.write(dir.resolve("shared"), new SampleImage.Contents(files, "/enclave/layout.json",
                "/enclave/layout.json", placeholder, placeholder, true));
        Map<MemoryModel, ImageMeasure.Result> r = ImageMeasure.measure(ResolvedImage.open(ref, null),
                EnumSet.allOf(MemoryModel.class), ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE);
        assertEquals(sgx1.expectedMrenclave(), r.get(MemoryModel.SGX1).mrenclave().hex());
        assertEquals(f.sgx2Mrenclave(), r.get(MemoryModel.SGX2).mrenclave().hex());
    }

    @Test
    void upperLayersWinAndWhiteoutsDelete() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ResolvedImage image = ResolvedImage.open(f.write(dir), null);
        StringBuilder seen = new StringBuilder();
        LayerScanner.find(image, Set.of("/app/config.toml", "/etc/os-release"), 1 << 20,
                (path, in, size) -> seen.append(path).append('=').append(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        assertTrue(seen.toString().contains("/app/config.toml=x = 1"), seen.toString());
        assertTrue(seen.toString().contains("/etc/os-release=ID=debian"), seen.toString());
        // The base layer has /tmp/junk and /var/lib/state; the top layer whites out the first and makes
        // /var opaque, so neither exists in the image.
        SignerException gone = assertThrows(SignerException.class,
                () -> LayerScanner.find(image, Set.of("/tmp/junk"), 1 << 20, (p, in, s) -> { }));
        assertTrue(gone.getMessage().contains("no file /tmp/junk in the image"), gone.getMessage());
        SignerException opaque = assertThrows(SignerException.class,
                () -> LayerScanner.find(image, Set.of("/var/lib/state"), 1 << 20, (p, in, s) -> { }));
        assertTrue(opaque.getMessage().contains("no file /var/lib/state in the image"), opaque.getMessage());
        LayerScanner.find(image, Set.of("/app/server"), 1 << 20, (p, in, s) -> assertEquals(23, s));
    }

    @Test
    void pathsAndSizesAreBounded() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ResolvedImage image = ResolvedImage.open(f.write(dir), null);
        SignerException escape = assertThrows(SignerException.class,
                () -> LayerScanner.find(image, Set.of("/../../etc/passwd"), 1 << 20, (p, in, s) -> { }));
        assertEquals(ErrorKind.MALFORMED_INPUT, escape.kind());
        SignerException big = assertThrows(SignerException.class, () -> ImageMeasure.measure(image,
                EnumSet.of(MemoryModel.SGX1), 100));
        assertTrue(big.getMessage().contains("more than the limit of 100"), big.getMessage());
    }

    @Test
    void aTamperedLayerIsRefusedEvenAfterItsFileWasRead() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ResolvedImage image = ResolvedImage.open(f.write(dir), null);
        Path layer = dir.resolve("blobs/sha256").resolve(image.layers().get(1).hex());
        byte[] b = Files.readAllBytes(layer);
        b[b.length - 10] ^= 1; // the gzip trailer: content readable, digest wrong
        Files.write(layer, b);
        SignerException e = assertThrows(SignerException.class, () -> ImageMeasure.measure(image,
                EnumSet.of(MemoryModel.SGX1), ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE));
        assertTrue(e.kind() == ErrorKind.INTEGRITY || e.kind() == ErrorKind.IO, e.kind() + ": " + e.getMessage());
    }
}
