package org.enclaveos.signer.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.sgx.Hash256;

/**
 * Writes an image that is {@code source} with a new config: only what the target lacks is sent.
 * Layers already in the target repository are not sent again; within one registry they are mounted
 * from the source repository; to another registry or an OCI layout they are streamed. The manifest
 * goes last, so a failure never leaves the tag pointing at an image whose blobs are missing.
 */
public final class ImageWriter {
    private ImageWriter() {
    }

    /** What was written: the new manifest digest and what it cost. */
    public record Written(ImageReference target, String manifestDigest, long bytesUploaded, int layersSent, int layersMounted) {
    }

    public static Written write(ResolvedImage source, byte[] config, ImageReference target, RegistryClient.Options options) {
        byte[] manifest = ImageRewrite.manifest(source.manifestBytes(), config);
        return switch (target.transport()) {
            case DOCKER -> toRegistry(source, config, manifest, target, options);
            case OCI -> toLayout(source, config, manifest, target);
            case DOCKER_ARCHIVE -> toArchive(source, config, target);
        };
    }

    private static Written toRegistry(ResolvedImage source, byte[] config, byte[] manifest, ImageReference target,
                                      RegistryClient.Options options) {
        if (target.tag() == null) {
            throw new SignerException(ErrorKind.USAGE, target + ": the target needs a tag");
        }
        RegistryClient to = new RegistryClient(target, options);
        ImageReference from = source.reference();
        boolean sameRegistry = from.transport() == ImageReference.Transport.DOCKER && from.registry().equals(target.registry());
        int sent = 0;
        int mounted = 0;
        for (Descriptor layer : source.layers()) {
            if (to.hasBlob(layer.digest())) {
                continue;
            }
            if (sameRegistry && to.mount(layer.digest(), from.repository())) {
                mounted++;
                continue;
            }
            to.upload(layer.digest(), layer.size(), () -> open(source, layer));
            sent++;
        }
        String configDigest = "sha256:" + Hash256.sha256(config).hex();
        if (!to.hasBlob(configDigest)) {
            to.upload(configDigest, config.length, () -> new java.io.ByteArrayInputStream(config));
        }
        String digest = to.putManifest(target.tag(), source.manifestMediaType(), manifest);
        return new Written(target, digest, to.bytesUploaded(), sent, mounted);
    }

    private static InputStream open(ResolvedImage source, Descriptor layer) {
        try {
            return source.blobs().open(layer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Written toLayout(ResolvedImage source, byte[] config, byte[] manifest, ImageReference target) {
        Path dir = target.path();
        Path blobs = dir.resolve("blobs/sha256");
        long written = 0;
        int sent = 0;
        try {
            Files.createDirectories(blobs);
            if (!Files.exists(dir.resolve("oci-layout"))) {
                AtomicFiles.createNew(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8), false);
            }
            for (Descriptor layer : source.layers()) {
                Path blob = blobs.resolve(layer.hex());
                if (!Files.exists(blob)) {
                    AtomicFiles.createNew(blob, out -> {
                        try (InputStream in = source.blobs().open(layer)) {
                            in.transferTo(out);
                        }
                    }, false);
                    written += layer.size();
                    sent++;
                }
            }
            written += putBlob(blobs, config) + putBlob(blobs, manifest);
            String digest = "sha256:" + Hash256.sha256(manifest).hex();
            updateIndex(dir, target.tag(), source.manifestMediaType(), digest, manifest.length);
            return new Written(target, digest, written, sent, 0);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, dir + ": cannot write: " + AtomicFiles.describe(e), e);
        }
    }

    /**
     * A {@code docker save} archive: manifest.json, the config, and each layer as an uncompressed tar
     * named by its diff_id (what docker load expects). A compressed source layer is decompressed twice,
     * once to learn its size for the tar header and once to write it, so nothing is staged on disk.
     */
    private static Written toArchive(ResolvedImage source, byte[] config, ImageReference target) {
        com.fasterxml.jackson.databind.JsonNode cfg = ImageDocuments.parse(config, "config");
        com.fasterxml.jackson.databind.JsonNode diffIds = cfg.path("rootfs").path("diff_ids");
        if (diffIds.size() != source.layers().size()) {
            throw SignerException.malformed(source.reference() + ": the config lists " + diffIds.size() + " diff_ids for "
                    + source.layers().size() + " layers");
        }
        String configName = Hash256.sha256(config).hex() + ".json";
        ObjectNode entry = ImageDocuments.MAPPER.createObjectNode().put("Config", configName);
        entry.putNull("RepoTags");
        ArrayNode layerNames = entry.putArray("Layers");
        for (com.fasterxml.jackson.databind.JsonNode d : diffIds) {
            layerNames.add(d.asText().substring("sha256:".length()) + ".tar");
        }
        byte[] manifest;
        try {
            manifest = ImageDocuments.MAPPER.writeValueAsBytes(ImageDocuments.MAPPER.createArrayNode().add(entry));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long[] written = {0};
        AtomicFiles.createNew(target.path(), out -> {
            // AtomicFiles flushes and closes the file itself: the tar writer must finish, not close it.
            java.io.OutputStream keepOpen = new java.io.FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
            try (org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar =
                         new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(keepOpen)) {
                tar.setLongFileMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (int i = 0; i < source.layers().size(); i++) {
                    Descriptor layer = source.layers().get(i);
                    long size;
                    try (InputStream in = uncompressed(source, layer)) {
                        size = in.transferTo(java.io.OutputStream.nullOutputStream());
                    }
                    var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(layerNames.get(i).asText());
                    e.setSize(size);
                    e.setModTime(0);
                    tar.putArchiveEntry(e);
                    java.security.MessageDigest diff = Hash256.newDigest();
                    try (InputStream in = new java.security.DigestInputStream(uncompressed(source, layer), diff)) {
                        in.transferTo(tar);
                    }
                    String actual = "sha256:" + org.enclaveos.signer.io.Hex.encode(diff.digest());
                    if (!actual.equals(diffIds.get(i).asText())) {
                        throw new SignerException(ErrorKind.INTEGRITY, source.reference() + ": layer " + layer.digest()
                                + " uncompresses to " + actual + ", the config's diff_id is " + diffIds.get(i).asText());
                    }
                    tar.closeArchiveEntry();
                    written[0] += size;
                }
                for (Object[] doc : new Object[][] {{configName, config}, {"manifest.json", manifest}}) {
                    byte[] bytes = (byte[]) doc[1];
                    var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry((String) doc[0]);
                    e.setSize(bytes.length);
                    e.setModTime(0);
                    tar.putArchiveEntry(e);
                    tar.write(bytes);
                    tar.closeArchiveEntry();
                    written[0] += bytes.length;
                }
            }
        }, false);
        return new Written(target, "sha256:" + Hash256.sha256(manifest).hex(), written[0], source.layers().size(), 0);
    }

    private static InputStream uncompressed(ResolvedImage source, Descriptor layer) throws IOException {
        return LayerScanner.decompress(source.blobs().open(layer));
    }

    private static long putBlob(Path blobs, byte[] content) {
        Path blob = blobs.resolve(Hash256.sha256(content).hex());
        return AtomicFiles.createOrConfirm(blob, content, false) ? content.length : 0;
    }

    /** index.json with this manifest under {@code tag} (replacing an entry with the same tag), written atomically. */
    private static void updateIndex(Path dir, String tag, String mediaType, String digest, long size) throws IOException {
        Path file = dir.resolve("index.json");
        ObjectNode index = Files.exists(file) ? (ObjectNode) ImageDocuments.parse(Files.readAllBytes(file), file.toString())
                : ImageDocuments.MAPPER.createObjectNode().put("schemaVersion", 2);
        ArrayNode manifests = index.has("manifests") ? (ArrayNode) index.get("manifests") : index.putArray("manifests");
        for (int i = manifests.size() - 1; i >= 0; i--) {
            JsonNode m = manifests.get(i);
            String name = m.path("annotations").path(OciLayout.REF_NAME).asText(null);
            if (tag == null ? name == null : tag.equals(name)) {
                manifests.remove(i);
            }
        }
        ObjectNode entry = manifests.addObject().put("mediaType", mediaType).put("digest", digest).put("size", size);
        if (tag != null) {
            entry.putObject("annotations").put(OciLayout.REF_NAME, tag);
        }
        AtomicFiles.replace(file, ImageDocuments.MAPPER.writeValueAsBytes(index), false);
    }
}
