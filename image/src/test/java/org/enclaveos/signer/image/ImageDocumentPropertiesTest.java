package org.enclaveos.signer.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mutated image manifests, indexes (an image index, and an OCI layout's index.json) and configs:
 * opening and measuring the image gives a result or a
 * documented SignerException, never another exception. The blobs are rewritten under their new
 * digests so the mutation reaches the parsers rather than stopping at the digest check.
 */
class ImageDocumentPropertiesTest {
    static final Set<ErrorKind> DOCUMENTED = EnumSet.of(ErrorKind.MALFORMED_INPUT, ErrorKind.UNSUPPORTED,
            ErrorKind.INTEGRITY, ErrorKind.USAGE, ErrorKind.IO);
    static final String CONFIG;
    static final String MANIFEST;

    static {
        try {
            // The same image whose blobs every mutated layout copies, so unmutated references resolve.
            ResolvedImage image = ResolvedImage.open(ImageReference.parse("oci:" + ConvertedImageFixtureCache.layout()), null);
            CONFIG = new String(image.configBytes(), StandardCharsets.UTF_8);
            MANIFEST = new String(image.manifestBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Provide
    Arbitrary<String> mutatedConfig() {
        return mutations(CONFIG);
    }

    @Provide
    Arbitrary<String> mutatedManifest() {
        return mutations(MANIFEST);
    }

    /** Truncated, or 1 to 3 characters replaced by JSON-significant ones. */
    static Arbitrary<String> mutations(String valid) {
        Arbitrary<String> truncated = Arbitraries.integers().between(0, valid.length() - 1).map(n -> valid.substring(0, n));
        Arbitrary<String> changed = Arbitraries.integers().between(0, valid.length() - 1).list().ofMinSize(1).ofMaxSize(3)
                .flatMap(pos -> Arbitraries.of('"', '{', '}', '[', ']', ',', ':', '0', 'x', '-', ' ', 'n').list()
                        .ofSize(pos.size()).map(chars -> {
                            char[] c = valid.toCharArray();
                            for (int i = 0; i < pos.size(); i++) {
                                c[pos.get(i)] = chars.get(i);
                            }
                            return new String(c);
                        }));
        return Arbitraries.oneOf(truncated, changed);
    }

    /** A multi-platform image index whose linux/amd64 entry is the fixture's manifest. */
    static final String INDEX = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
            + "\"manifests\":["
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," + manifestDescriptor()
            + ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," + manifestDescriptor()
            + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\"annotations\":{\"a\":\"b\"}},"
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," + manifestDescriptor()
            + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0\"}}]}";

    @Provide
    Arbitrary<String> mutatedIndex() {
        return mutations(INDEX);
    }

    /** The index as an image's top document: platform selection, then the manifest it names. */
    @Property(tries = 150)
    void indexes(@ForAll("mutatedIndex") String index) throws IOException {
        withLayout(dir -> {
            String hex = SampleImage.blob(dir, index.getBytes(StandardCharsets.UTF_8));
            return "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                    + "\"digest\":\"sha256:" + hex + "\",\"size\":" + index.getBytes(StandardCharsets.UTF_8).length + "}]}";
        });
    }

    /** The same text as an OCI layout's own index.json, which names the image by its entry. */
    @Property(tries = 150)
    void layoutIndexes(@ForAll("mutatedIndex") String index) throws IOException {
        withLayout(dir -> index);
    }

    /** Without mutation, both forms select the linux/amd64 entry: the properties start from a working image. */
    @net.jqwik.api.Example
    void theUnmutatedIndexSelectsLinuxAmd64() throws IOException {
        Path dir = layout(d -> INDEX);
        try {
            ResolvedImage image = ResolvedImage.open(ImageReference.parse("oci:" + dir), null);
            org.junit.jupiter.api.Assertions.assertEquals(MANIFEST, new String(image.manifestBytes(), StandardCharsets.UTF_8));
            SignerException arm = org.junit.jupiter.api.Assertions.assertThrows(SignerException.class,
                    () -> ResolvedImage.open(ImageReference.parse("oci:" + dir), "linux/s390x"));
            org.junit.jupiter.api.Assertions.assertTrue(arm.getMessage().contains("linux/s390x"), arm.getMessage());
        } finally {
            delete(dir);
        }
    }

    private static String manifestDescriptor() {
        byte[] b = MANIFEST.getBytes(StandardCharsets.UTF_8);
        return "\"digest\":\"sha256:" + org.enclaveos.signer.sgx.Hash256.sha256(b).hex() + "\",\"size\":" + b.length;
    }

    @Property(tries = 150)
    void configs(@ForAll("mutatedConfig") String config) throws IOException {
        check(MANIFEST, config);
    }

    @Property(tries = 150)
    void manifests(@ForAll("mutatedManifest") String manifest) throws IOException {
        check(manifest, CONFIG);
    }

    /** Writes an OCI layout with these documents (config digest fixed up in the manifest when it parses). */
    static void check(String manifest, String config) throws IOException {
        withLayout(dir -> {
            SampleImage.blob(dir, config.getBytes(StandardCharsets.UTF_8));
            String m = manifest.replace(configDescriptor(CONFIG), configDescriptor(config));
            String manifestHex = SampleImage.blob(dir, m.getBytes(StandardCharsets.UTF_8));
            return "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                    + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestHex + "\",\"size\":"
                    + m.getBytes(StandardCharsets.UTF_8).length + "}]}";
        });
    }

    interface Documents {
        /** Writes the image's documents as blobs into {@code dir}; returns the layout's index.json. */
        String write(Path dir) throws IOException;
    }

    /** A new OCI layout with the fixture's blobs plus {@code documents}. */
    static Path layout(Documents documents) throws IOException {
        Path dir = Files.createTempDirectory("mut");
        Path src = ConvertedImageFixtureCache.layout();
        Files.createDirectories(dir.resolve("blobs/sha256"));
        try (var s = Files.list(src.resolve("blobs/sha256"))) {
            for (Path p : s.toList()) {
                Files.copy(p, dir.resolve("blobs/sha256").resolve(p.getFileName()));
            }
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), documents.write(dir));
        return dir;
    }

    static void delete(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** An OCI layout with the fixture's blobs plus {@code documents}: open, read and measure it. */
    static void withLayout(Documents documents) throws IOException {
        Path dir = layout(documents);
        try {
            ResolvedImage image = ResolvedImage.open(ImageReference.parse("oci:" + dir), null);
            ConvertedImage.of(image);
            ImageMeasure.measure(image, EnumSet.allOf(MemoryModel.class), 1 << 20);
            net.jqwik.api.statistics.Statistics.collect("measured");
        } catch (SignerException e) {
            net.jqwik.api.statistics.Statistics.collect(e.kind());
            if (!DOCUMENTED.contains(e.kind())) {
                throw new AssertionError("undocumented kind " + e.kind() + ": " + e.getMessage(), e);
            }
        } catch (RuntimeException e) {
            throw new AssertionError("not a SignerException: " + e, e);
        } finally {
            delete(dir);
        }
    }

    /** The manifest's config descriptor fields for this config, as the fixture writes them. */
    static String configDescriptor(String config) {
        byte[] b = config.getBytes(StandardCharsets.UTF_8);
        return "\"digest\":\"sha256:" + org.enclaveos.signer.sgx.Hash256.sha256(b).hex() + "\",\"size\":" + b.length;
    }

    /** One fixture image, written once, whose layer blobs every mutated image reuses. */
    static final class ConvertedImageFixtureCache {
        private static Path layout;

        static synchronized Path layout() throws IOException {
            if (layout == null) {
                layout = Files.createTempDirectory("fixture");
                new ConvertedImageFixture().write(layout);
            }
            return layout;
        }
    }
}
