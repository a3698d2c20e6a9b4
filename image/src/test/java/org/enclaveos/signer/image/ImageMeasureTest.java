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
