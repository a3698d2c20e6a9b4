package org.enclaveos.signer.image;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Hash256;

/**
 * OCI 1.1 referrers: an artifact manifest whose {@code subject} is an image, pushed next to it, and
 * found again from the image's digest. Registries with the referrers API index such manifests
 * themselves; for the others (Docker Hub, GHCR, distribution 2.x) the client keeps the list, an image
 * index tagged {@code sha256-<hex of the subject digest>}, and adds to it without dropping what other
 * tools (cosign, Notation) listed there. Which kind a registry is, is asked each time
 * ({@code GET /v2/<name>/referrers/<digest>}), never guessed from headers.
 */
public final class Referrers {
    /** The empty config an artifact without a config of its own carries (OCI 1.1). */
    static final String EMPTY_TYPE = "application/vnd.oci.empty.v1+json";
    static final byte[] EMPTY = {'{', '}'};
    static final String TITLE = "org.opencontainers.image.title";

    private Referrers() {
    }

    /** An artifact: its type, the manifest's annotations, and its blobs in order. */
    public record Artifact(String artifactType, Map<String, String> annotations, List<Blob> blobs) {
        public Artifact {
            annotations = new java.util.TreeMap<>(annotations);
            blobs = List.copyOf(blobs);
        }

        /** The image manifest that carries it, about {@code subject}: deterministic bytes. */
        byte[] manifest(Descriptor subject) {
            ObjectNode m = ImageDocuments.MAPPER.createObjectNode().put("schemaVersion", 2)
                    .put("mediaType", MediaTypes.OCI_MANIFEST).put("artifactType", artifactType);
            descriptor(m.putObject("config"), EMPTY_TYPE, EMPTY);
            ArrayNode layers = m.putArray("layers");
            for (Blob b : blobs) {
                ObjectNode d = descriptor(layers.addObject(), b.mediaType(), b.content());
                d.putObject("annotations").put(TITLE, b.title());
            }
            m.putObject("subject").put("mediaType", subject.mediaType()).put("digest", subject.digest())
                    .put("size", subject.size());
            if (!annotations.isEmpty()) {
                ObjectNode a = m.putObject("annotations");
                annotations.forEach(a::put);
            }
            return write(m);
        }
    }

    /** One blob of an artifact: its media type, its file name ({@code org.opencontainers.image.title}), its bytes. */
    public record Blob(String mediaType, String title, byte[] content) {
    }

    /** Where the artifact went: its manifest digest, and whether the registry indexed it (API) or we did (tag). */
    public record Published(String digest, boolean viaApi, String indexTag) {
    }

    /**
     * Pushes the artifact's blobs and manifest into the repository of {@code image} and lists it as a
     * referrer of {@code subject} (with the API nothing more is needed; else the referrers tag).
     */
    public static Published publish(ImageReference image, Descriptor subject, Artifact artifact, RegistryClient.Options o) {
        RegistryClient client = new RegistryClient(image, o);
        byte[] manifest = artifact.manifest(subject);
        String digest = "sha256:" + Hash256.sha256(manifest).hex();
        put(client, EMPTY);
        for (Blob b : artifact.blobs()) {
            put(client, b.content());
        }
        client.putManifest(digest, MediaTypes.OCI_MANIFEST, manifest);
        if (client.referrers(subject.digest()).isPresent()) {
            return new Published(digest, true, null);
        }
        String tag = tagFor(subject.digest());
        Optional<RegistryClient.Document> existing = client.manifestIfPresent(tag);
        ObjectNode index;
        if (existing.isPresent()) {
            JsonNode doc = ImageDocuments.parse(existing.get().bytes(), image.registry() + " tag " + tag);
            if (!MediaTypes.OCI_INDEX.equals(ImageDocuments.mediaType(doc, existing.get().mediaType()))
                    || !doc.path("manifests").isArray()) {
                throw new SignerException(ErrorKind.REGISTRY, image.registry() + "/" + image.repository() + ":" + tag
                        + " exists and is not an OCI image index; it is not overwritten (the referrers tag schema needs it)");
            }
            index = (ObjectNode) doc;
            for (JsonNode m : index.path("manifests")) {
                if (digest.equals(m.path("digest").asText())) {
                    return new Published(digest, false, tag);
                }
            }
        } else {
            index = ImageDocuments.MAPPER.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
            index.putArray("manifests");
        }
        // Foreign entries are kept as they are, node for node; ours is added at the end.
        ObjectNode entry = ((ArrayNode) index.get("manifests")).addObject().put("mediaType", MediaTypes.OCI_MANIFEST)
                .put("digest", digest).put("size", manifest.length).put("artifactType", artifact.artifactType());
        if (!artifact.annotations().isEmpty()) {
            ObjectNode a = entry.putObject("annotations");
            artifact.annotations().forEach(a::put);
        }
        client.putManifest(tag, MediaTypes.OCI_INDEX, write(index));
        return new Published(digest, false, tag);
    }

    /** The manifests that refer to {@code subjectDigest} with this artifact type, through the API or the tag. */
    public static List<Descriptor> find(ImageReference image, String subjectDigest, String artifactType, RegistryClient.Options o) {
        RegistryClient client = new RegistryClient(image, o);
        List<byte[]> pages = client.referrers(subjectDigest).orElseGet(() -> client.manifestIfPresent(tagFor(subjectDigest))
                .map(d -> List.of(d.bytes())).orElse(List.of()));
        List<Descriptor> found = new ArrayList<>();
        for (byte[] page : pages) {
            JsonNode index = ImageDocuments.parse(page, image.registry() + ": referrers of " + subjectDigest);
            int i = 0;
            for (JsonNode m : index.path("manifests")) {
                Descriptor d = Descriptor.of(m, "referrers of " + subjectDigest + " manifests[" + i++ + "]");
                if (artifactType.equals(m.path("artifactType").asText()) && !found.contains(d)) {
                    found.add(d);
                }
            }
        }
        return found;
    }

    /** A referrer read back: its manifest (checked against its descriptor) and its blobs, each at most {@code maxBlob}. */
    public record Fetched(Descriptor descriptor, String artifactType, String subjectDigest, Map<String, String> annotations,
                          List<Blob> blobs) {
    }

    /** At most this many blobs are read from one artifact. */
    static final int MAX_BLOBS = 256;

    public static Fetched fetch(ImageReference image, Descriptor manifest, long maxBlob, RegistryClient.Options o) {
        RegistryClient client = new RegistryClient(image, o);
        String what = image.registry() + ": referrer " + manifest.digest();
        JsonNode m = ImageDocuments.parse(client.readDocument(new Descriptor(MediaTypes.OCI_MANIFEST, manifest.digest(),
                manifest.size(), null), "manifest"), what);
        Map<String, String> annotations = new java.util.TreeMap<>();
        m.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        List<Descriptor> layers = ImageDocuments.layers(m, what);
        if (layers.size() > MAX_BLOBS) {
            throw SignerException.malformed(what + ": " + layers.size() + " blobs; at most " + MAX_BLOBS + " are read");
        }
        List<Blob> blobs = new ArrayList<>();
        int i = 0;
        for (JsonNode l : m.path("layers")) {
            Descriptor d = layers.get(i++);
            if (d.size() > maxBlob) {
                throw SignerException.malformed(what + ": blob " + d.digest() + " is " + d.size() + " bytes; at most "
                        + maxBlob + " are read");
            }
            try (InputStream in = client.open(d)) {
                blobs.add(new Blob(d.mediaType(), l.path("annotations").path(TITLE).asText(""), in.readAllBytes()));
            } catch (IOException e) {
                throw new SignerException(ErrorKind.REGISTRY, what + ": blob " + d.digest() + ": " + e.getMessage(), e);
            }
        }
        return new Fetched(manifest, m.path("artifactType").asText(null), m.path("subject").path("digest").asText(null),
                annotations, blobs);
    }

    /** The referrers tag schema's tag for a digest: {@code sha256-<hex>}. */
    static String tagFor(String digest) {
        return digest.replace(':', '-');
    }

    private static ObjectNode descriptor(ObjectNode d, String mediaType, byte[] content) {
        return d.put("mediaType", mediaType).put("digest", "sha256:" + Hash256.sha256(content).hex()).put("size", content.length);
    }

    private static void put(RegistryClient client, byte[] content) {
        String digest = "sha256:" + Hash256.sha256(content).hex();
        if (!client.hasBlob(digest)) {
            client.upload(digest, content.length, () -> new java.io.ByteArrayInputStream(content));
        }
    }

    private static byte[] write(JsonNode n) {
        try {
            return ImageDocuments.MAPPER.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
