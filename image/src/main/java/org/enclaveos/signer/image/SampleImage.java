package org.enclaveos.signer.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Writes a converted image as an OCI layout, for the demo and the tests: a base layer, an enclave
 * layer holding the layout files, a top layer with a whiteout and an opaque directory; a realistic
 * config (user, entrypoint, env with the converter's signatures, labels naming the layouts, exposed
 * ports, history, a field we do not know, a decimal number); a manifest annotation; a tag.
 */
public final class SampleImage {
    public static final String TAG = "1.0";

    /** The enclave's files and signatures; {@code layoutLabels} false makes a plain Data Shield image. */
    public record Contents(Map<String, byte[]> enclaveFiles, String sgx1Layout, String sgx2Layout, Sigstruct sgx1Signature,
                           Sigstruct sgx2Signature, boolean layoutLabels) {
    }

    private SampleImage() {
    }

    public static ImageReference write(Path dir, Contents c) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        List<String[]> layers = new ArrayList<>();
        layers.add(layer(dir, Map.of("etc/os-release", text("ID=debian\n"), "app/server", text("#!/bin/sh\nexec enclave\n"),
                "tmp/junk", text("deleted above\n"), "var/lib/state", text("hidden by an opaque directory above\n"))));
        layers.add(layer(dir, c.enclaveFiles()));
        layers.add(layer(dir, Map.of("tmp/.wh.junk", new byte[0], "var/.wh..wh..opq", new byte[0],
                "app/config.toml", text("x = 1\n"))));
        StringBuilder diffIds = new StringBuilder();
        StringBuilder layerDescs = new StringBuilder();
        for (String[] l : layers) {
            diffIds.append(diffIds.length() == 0 ? "" : ",").append("\"sha256:").append(l[1]).append('"');
            layerDescs.append(layerDescs.length() == 0 ? "" : ",")
                    .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:")
                    .append(l[0]).append("\",\"size\":").append(l[2]).append('}');
        }
        String labels = (c.layoutLabels() ? "\"org.enclaveos.layout.sgx1\":\"" + c.sgx1Layout() + "\","
                + "\"org.enclaveos.layout.sgx2\":\"" + c.sgx2Layout() + "\"," : "") + "\"maintainer\":\"team@example.com\"";
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2021-03-01T10:00:00Z\","
                + "\"config\":{\"User\":\"1000:1000\",\"ExposedPorts\":{\"8443/tcp\":{}},"
                + "\"Env\":[\"PATH=/usr/local/bin:/usr/bin\",\"ENCLAVEOS_SIGNATURE=" + b64(c.sgx1Signature())
                + "\",\"APP_MODE=prod\",\"ENCLAVEOS_SIGNATURE2=" + b64(c.sgx2Signature()) + "\"],"
                + "\"Entrypoint\":[\"/app/server\"],\"Cmd\":[\"--port\",\"8443\"],\"WorkingDir\":\"/app\","
                + "\"Labels\":{" + labels + "}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]},"
                + "\"history\":[{\"created\":\"2021-03-01T10:00:00Z\",\"created_by\":\"enclaveos convert\"}],"
                + "\"x-converter\":{\"version\":\"3.2.1\",\"ratio\":1.50}}";
        String configDigest = blob(dir, text(config));
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + configDigest
                + "\",\"size\":" + config.length() + "},\"layers\":[" + layerDescs + "],"
                + "\"annotations\":{\"org.opencontainers.image.source\":\"https://example.com/app\"}}";
        String manifestDigest = blob(dir, text(manifest));
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestDigest + "\",\"size\":"
                + manifest.length() + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + TAG + "\"}}]}");
        return ImageReference.parse("oci:" + dir + ":" + TAG);
    }

    public static String b64(Sigstruct s) {
        return Base64.getEncoder().encodeToString(s.toBytes());
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A gzip tar layer, entries sorted and timestamps zero; returns {digest hex, diff id hex, size}. */
    static String[] layer(Path dir, Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> f : new TreeMap<>(files).entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                e.setModTime(0);
                out.putArchiveEntry(e);
                out.write(f.getValue());
                out.closeArchiveEntry();
            }
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream out = new GzipCompressorOutputStream(gz)) {
            out.write(tar.toByteArray());
        }
        String digest = blob(dir, gz.toByteArray());
        return new String[] {digest, Hash256.sha256(tar.toByteArray()).hex(), Integer.toString(gz.size())};
    }

    static String blob(Path dir, byte[] content) throws IOException {
        String hex = Hash256.sha256(content).hex();
        Files.write(dir.resolve("blobs/sha256").resolve(hex), content);
        return hex;
    }
}
