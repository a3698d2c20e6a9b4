package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images built to attack the reader: each is refused with its own message, in bounded memory and time. */
class HostileImageTest {
    @TempDir
    Path dir;

    /** An OCI layout whose one layer is {@code layer} (gzip) and whose config carries {@code labels}. */
    ImageReference image(byte[] layerGz, String config) throws IOException {
        Path d = dir.resolve("img" + System.nanoTime());
        Files.createDirectories(d.resolve("blobs/sha256"));
        Files.writeString(d.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String layer = SampleImage.blob(d, layerGz);
        String cfg = SampleImage.blob(d, config.getBytes(StandardCharsets.UTF_8));
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + cfg
                + "\",\"size\":" + config.getBytes(StandardCharsets.UTF_8).length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:" + layer + "\",\"size\":"
                + layerGz.length + "}]}";
        String m = SampleImage.blob(d, manifest.getBytes(StandardCharsets.UTF_8));
        Files.writeString(d.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + m + "\",\"size\":"
                + manifest.length() + "}]}");
        return ImageReference.parse("oci:" + d);
    }

    static String config(String sgx1Layout) {
        return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"org.enclaveos.layout.sgx1\":\""
                + sgx1Layout + "\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    }

    interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    static byte[] layer(Entries entries) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream g = new GzipCompressorOutputStream(gz);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(g)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            entries.write(tar);
        }
        return gz.toByteArray();
    }

    static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    SignerException refused(ImageReference ref) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(SignerException.class, () ->
                ImageMeasure.measure(ResolvedImage.open(ref, null), EnumSet.of(MemoryModel.SGX1), 1 << 20)));
    }

    @Test
    void dotDotEntriesAreRefused() throws IOException {
        ImageReference ref = image(layer(t -> file(t, "../../etc/shadow", new byte[10])), config("/enclave/app.sgxs"));
        SignerException e = refused(ref);
        assertTrue(e.getMessage().contains("'../../etc/shadow' climbs out of the image root"), e.getMessage());
    }

    @Test
    void aLayoutSymlinkThatEscapesTheRootIsRefused() throws IOException {
        ImageReference ref = image(layer(t -> {
            TarArchiveEntry link = new TarArchiveEntry("enclave/app.sgxs", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("../../../../host/secret");
            t.putArchiveEntry(link);
            t.closeArchiveEntry();
        }), config("/enclave/app.sgxs"));
        SignerException e = refused(ref);
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        assertTrue(e.getMessage().contains("climbs out of the image root"), e.getMessage());
    }

    @Test
    void aGzipBombIsStoppedInBoundedMemory() throws IOException {
        // 1.25 GiB of zeros in one entry compress to about 1.3 MB: deflate's ceiling of ~1030x, just past the
        // reader's 1000x (and past its 1 GiB of slack). The layer is gzip members one after another, as gzip
        // allows and registries serve: the tar header, the same 64 MiB of zeros compressed once and sent 20
        // times, then a small tar with the layout; compressing 1.25 GiB here would take longer than reading it.
        int members = 20;
        long size = (long) members << 26;
        TarArchiveEntry entry = new TarArchiveEntry("zeros");
        entry.setSize(size);
        byte[] header = new byte[512];
        entry.writeEntryHeader(header);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        gz.write(gzip(header, 1));
        byte[] zeros = gzip(new byte[1 << 20], 64);
        for (int i = 0; i < members; i++) {
            gz.write(zeros);
        }
        gz.write(layer(t -> file(t, "enclave/app.sgxs", new byte[64])));
        assertTrue(gz.size() * LayerScanner.MAX_EXPANSION < size && size > 1L << 30, "a bomb by the reader's rule");
        SignerException e = refused(image(gz.toByteArray(), config("/enclave/app.sgxs")));
        assertTrue(e.getMessage().contains("refused as a decompression bomb"), e.getMessage());
    }

    /** One gzip member holding {@code times} copies of {@code bytes}. */
    static byte[] gzip(byte[] bytes, int times) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream g = new GzipCompressorOutputStream(out)) {
            for (int i = 0; i < times; i++) {
                g.write(bytes);
            }
        }
        return out.toByteArray();
    }

    @Test
    void aHundredMegabyteManifestIsNotRead() throws IOException {
        Path d = dir.resolve("big-manifest");
        Files.createDirectories(d.resolve("blobs/sha256"));
        Files.writeString(d.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String fake = "ab".repeat(32);
        try (OutputStream out = Files.newOutputStream(d.resolve("blobs/sha256").resolve(fake))) {
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i < 100; i++) {
                out.write(spaces);
            }
        }
        Files.writeString(d.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + fake + "\",\"size\":" + (100 << 20) + "}]}");
        SignerException e = assertThrows(SignerException.class, () -> ResolvedImage.open(ImageReference.parse("oci:" + d), null));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        assertTrue(e.getMessage().contains("at most 4194304 are read"), e.getMessage());
    }

    @Test
    void aConfigThatIsNotJsonIsRefused() throws IOException {
        ImageReference ref = image(layer(t -> file(t, "a", new byte[1])), "this is not json");
        SignerException e = assertThrows(SignerException.class, () -> ResolvedImage.open(ref, null));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        assertTrue(e.getMessage().contains("config sha256:") && e.getMessage().contains("is not JSON"), e.getMessage());
    }

    @Test
    void anSgxsLayoutThatIsNotSgxsIsRefusedNamingTheImageAndPath() throws IOException {
        ImageReference ref = image(layer(t -> file(t, "enclave/app.sgxs", "hello".getBytes(StandardCharsets.UTF_8))),
                config("/enclave/app.sgxs"));
        SignerException e = refused(ref);
        assertTrue(e.getMessage().contains("/enclave/app.sgxs: record 1 at byte 0: truncated record header"), e.getMessage());
        assertTrue(Set.of(ErrorKind.MALFORMED_INPUT).contains(e.kind()));
    }

}
