package org.enclaveos.signer.image;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Hash256;

/**
 * One image, resolved to a platform-specific manifest: the manifest and config exactly as stored
 * (raw bytes, digest-verified, so a rewrite can preserve them) and as JSON trees, and its layers.
 */
public record ResolvedImage(ImageReference reference, String platform, String manifestMediaType, byte[] manifestBytes,
                            String manifestDigest, JsonNode manifest, Descriptor configDescriptor, byte[] configBytes,
                            JsonNode config, List<Descriptor> layers, BlobStore blobs) {

    public static final String DEFAULT_PLATFORM = "linux/amd64";

    /** Opens an image: {@code oci:} layouts, {@code docker://} registries, {@code docker-archive:} files (read only). */
    public static ResolvedImage open(ImageReference ref, String platform) {
        return open(ref, platform, RegistryClient.Options.defaults());
    }

    public static ResolvedImage open(ImageReference ref, String platform, RegistryClient.Options registry) {
        BlobStore blobs;
        Descriptor top;
        switch (ref.transport()) {
            case OCI -> {
                OciLayout layout = new OciLayout(ref.path());
                blobs = layout;
                top = layout.top(ref.tag());
            }
            case DOCKER -> {
                RegistryClient client = new RegistryClient(ref, registry);
                blobs = client;
                top = client.top();
            }
            case DOCKER_ARCHIVE -> {
                Map.Entry<DockerArchive, Descriptor> archive = DockerArchive.open(ref.path());
                blobs = archive.getKey();
                top = archive.getValue();
            }
            default -> throw new IllegalStateException(ref.transport().toString());
        }
        return resolve(ref, platform == null ? DEFAULT_PLATFORM : platform, top, blobs);
    }

    static ResolvedImage resolve(ImageReference ref, String platform, Descriptor top, BlobStore blobs) {
        String what = ref.toString();
        byte[] bytes = blobs.readDocument(top, "manifest");
        JsonNode doc = ImageDocuments.parse(bytes, what + " manifest " + top.digest());
        String type = ImageDocuments.mediaType(doc, top.mediaType());
        Descriptor chosen = top;
        if (MediaTypes.INDEXES.contains(type)) {
            chosen = ImageDocuments.selectPlatform(doc, platform, what + " index " + top.digest());
            bytes = blobs.readDocument(chosen, "manifest");
            doc = ImageDocuments.parse(bytes, what + " manifest " + chosen.digest());
            type = ImageDocuments.mediaType(doc, chosen.mediaType());
        }
        if (!MediaTypes.MANIFESTS.contains(type)) {
            throw new SignerException(ErrorKind.UNSUPPORTED, what + ": manifest media type '" + type
                    + "' is not an OCI or Docker v2.2 image manifest");
        }
        Descriptor config = Descriptor.of(doc.get("config"), what + " manifest config");
        byte[] configBytes = blobs.readDocument(config, "config");
        JsonNode configTree = ImageDocuments.parse(configBytes, what + " config " + config.digest());
        return new ResolvedImage(ref, platform, type, bytes, "sha256:" + Hash256.sha256(bytes).hex(), doc, config,
                configBytes, configTree, ImageDocuments.layers(doc, what + " manifest"), blobs);
    }
}
