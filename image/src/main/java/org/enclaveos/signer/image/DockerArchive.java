package org.enclaveos.signer.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Hash256;

/**
 * A {@code docker save} archive ({@code docker-archive:FILE.tar}): {@code manifest.json} names the
 * config file and the layer tars. We describe it as a Docker v2.2 manifest whose layers are the
 * uncompressed tars, identified by the config's {@code rootfs.diff_ids} (the SHA-256 of each tar),
 * so every layer is still verified as it streams. Entries are read in place, never unpacked.
 */
final class DockerArchive implements BlobStore {
    private final Path file;
    private final TarFile tar;
    private final Map<String, TarArchiveEntry> byDigest = new HashMap<>();
    private final Map<String, byte[]> documents = new HashMap<>();

    private DockerArchive(Path file, TarFile tar) {
        this.file = file;
        this.tar = tar;
    }

    static Map.Entry<DockerArchive, Descriptor> open(Path file) {
        TarFile tar;
        try {
            tar = new TarFile(file);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": not a readable tar archive: " + e.getMessage(), e);
        }
        DockerArchive a = new DockerArchive(file, tar);
        return Map.entry(a, a.describe());
    }

    private Descriptor describe() {
        Map<String, TarArchiveEntry> byName = new HashMap<>();
        for (TarArchiveEntry e : tar.getEntries()) {
            byName.put(LayerScanner.normalize(e.getName(), file + " entry"), e);
        }
        JsonNode index;
        try {
            index = ImageDocuments.MAPPER.readTree(read(byName, "manifest.json"));
        } catch (IOException e) {
            throw SignerException.malformed(file + ": manifest.json is not JSON");
        }
        if (index == null || !index.isArray()) {
            throw SignerException.malformed(file + ": manifest.json is not a list of images");
        }
        JsonNode entry = index.get(0);
        if (entry == null || !entry.isObject()) {
            throw SignerException.malformed(file + ": manifest.json lists no image");
        }
        byte[] config = read(byName, entry.path("Config").asText(""));
        JsonNode cfg = ImageDocuments.parse(config, file + " config");
        JsonNode diffIds = cfg.path("rootfs").path("diff_ids");
        JsonNode layers = entry.path("Layers");
        if (!layers.isArray() || layers.size() != diffIds.size()) {
            throw SignerException.malformed(file + ": manifest.json lists " + layers.size() + " layers, the config's "
                    + "rootfs has " + diffIds.size() + " diff_ids");
        }
        ObjectNode manifest = ImageDocuments.MAPPER.createObjectNode();
        manifest.put("schemaVersion", 2).put("mediaType", MediaTypes.DOCKER_MANIFEST);
        String configDigest = "sha256:" + Hash256.sha256(config).hex();
        manifest.putObject("config").put("mediaType", "application/vnd.docker.container.image.v1+json")
                .put("size", config.length).put("digest", configDigest);
        documents.put(configDigest, config);
        ArrayNode list = manifest.putArray("layers");
        for (int i = 0; i < layers.size(); i++) {
            TarArchiveEntry layer = entry(byName, layers.get(i).asText(""));
            String digest = diffIds.get(i).asText("");
            if (!ImageReference.isDigest(digest)) {
                throw SignerException.malformed(file + ": config diff_ids[" + i + "] is not a sha256 digest");
            }
            byDigest.put(digest, layer);
            list.addObject().put("mediaType", "application/vnd.docker.image.rootfs.diff.tar").put("size", layer.getSize())
                    .put("digest", digest);
        }
        byte[] bytes;
        try {
            bytes = ImageDocuments.MAPPER.writeValueAsBytes(manifest);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String digest = "sha256:" + Hash256.sha256(bytes).hex();
        documents.put(digest, bytes);
        return new Descriptor(MediaTypes.DOCKER_MANIFEST, digest, bytes.length, null);
    }

    @Override
    public InputStream openRaw(Descriptor d) throws IOException {
        byte[] doc = documents.get(d.digest());
        if (doc != null) {
            return new ByteArrayInputStream(doc);
        }
        TarArchiveEntry e = byDigest.get(d.digest());
        if (e == null) {
            throw SignerException.malformed(file + ": no layer " + d.digest());
        }
        return tar.getInputStream(e);
    }

    private TarArchiveEntry entry(Map<String, TarArchiveEntry> byName, String name) {
        TarArchiveEntry e = byName.get(LayerScanner.normalize(name, file + " entry"));
        if (e == null || !e.isFile()) {
            throw SignerException.malformed(file + ": no file '" + name + "' in the archive");
        }
        return e;
    }

    private byte[] read(Map<String, TarArchiveEntry> byName, String name) {
        TarArchiveEntry e = entry(byName, name);
        if (e.getSize() > MAX_DOCUMENT_BYTES) {
            throw SignerException.malformed(file + ": " + name + " is larger than " + MAX_DOCUMENT_BYTES + " bytes");
        }
        try (InputStream in = tar.getInputStream(e)) {
            return in.readAllBytes();
        } catch (IOException ex) {
            throw new SignerException(ErrorKind.IO, file + ": " + name + ": " + ex.getMessage(), ex);
        }
    }

}
