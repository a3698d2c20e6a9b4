package org.enclaveos.signer.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/** An OCI image layout directory ({@code oci:DIR[:TAG]}): {@code oci-layout}, {@code index.json}, {@code blobs/sha256/}. */
public final class OciLayout implements BlobStore {
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private final Path dir;
    /** Documents held by digest rather than as blobs: index.json, when it is itself the image index. */
    private final Map<String, byte[]> inHand = new HashMap<>();

    public OciLayout(Path dir) {
        this.dir = dir;
    }

    @Override
    public InputStream openRaw(Descriptor d) throws IOException {
        byte[] held = inHand.get(d.digest());
        if (held != null) {
            return new java.io.ByteArrayInputStream(held);
        }
        Path blob = dir.resolve("blobs").resolve("sha256").resolve(d.hex());
        try {
            return Files.newInputStream(blob);
        } catch (NoSuchFileException e) {
            throw new SignerException(ErrorKind.MALFORMED_INPUT, dir + ": blob " + d.digest() + " is missing");
        }
    }

    /**
     * The descriptor index.json gives for {@code tag}, or its only entry when no tag is given. An
     * untagged index.json whose entries all name a platform is one multi-platform image (the OCI
     * image-layout spec's own example): index.json itself is then the index a platform is chosen from.
     */
    Descriptor top(String tag) {
        Path index = dir.resolve("index.json");
        if (!Files.isRegularFile(dir.resolve("oci-layout")) || !Files.isRegularFile(index)) {
            throw new SignerException(ErrorKind.IO, dir + ": not an OCI image layout (no oci-layout and index.json)");
        }
        JsonNode root;
        byte[] bytes;
        try {
            if (Files.size(index) > MAX_DOCUMENT_BYTES) {
                throw SignerException.malformed(index + ": larger than " + MAX_DOCUMENT_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(index);
            root = ImageDocuments.parse(bytes, index.toString());
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, index + ": cannot read: " + e.getMessage(), e);
        }
        List<Descriptor> all = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        boolean allHavePlatforms = true;
        int i = 0;
        for (JsonNode m : root.path("manifests")) {
            allHavePlatforms &= m.path("platform").isObject();
            Descriptor d = Descriptor.of(m, index + " manifests[" + i++ + "]");
            String name = m.path("annotations").path(REF_NAME).asText(null);
            if (name != null) {
                tags.add(name);
                if (name.equals(tag)) {
                    return d;
                }
            }
            all.add(d);
        }
        if (tag == null && all.size() == 1) {
            return all.get(0);
        }
        if (tag == null && all.size() > 1 && tags.isEmpty() && allHavePlatforms) {
            String digest = "sha256:" + org.enclaveos.signer.sgx.Hash256.sha256(bytes).hex();
            inHand.put(digest, bytes);
            return new Descriptor(MediaTypes.OCI_INDEX, digest, bytes.length, null);
        }
        throw new SignerException(ErrorKind.USAGE, dir + ": " + (tag == null ? "holds " + all.size()
                + " images; name one with oci:DIR:TAG" : "no image tagged '" + tag + "'") + " (tags: "
                + (tags.isEmpty() ? "none" : String.join(", ", tags)) + ")");
    }
}
