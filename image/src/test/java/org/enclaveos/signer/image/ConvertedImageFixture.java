package org.enclaveos.signer.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.SgxsBuilder;

/**
 * Builds converted images as OCI layouts, at run time, for tests and the demo: a base layer, an
 * enclave layer with the SGX1 layout as an SGXS stream and the SGX2 layout as a manifest (with its
 * content file), a top layer with a whiteout; a realistic config (user, entrypoint, env, labels,
 * exposed ports, history, a field we do not know) carrying converter signatures made with a debug
 * key; a manifest annotation; index.json with a tag.
 */
public final class ConvertedImageFixture {
    public static final String TAG = "1.0";
    public final SgxsBuilder sgx1 = new SgxsBuilder().ecreate(1, 0x10000).measuredPage(0, 0x100, 1).measuredPage(0x1000, 0x205, 2)
            .eadd(0x2000, 0x207).eadd(0x3000, 0x207);
    public final byte[] sgx2Content = new byte[2 * 4096];
    public final SigningKey converterKey = PemKeys.generate("converter");
    public Sigstruct sgx1Signature;
    public Sigstruct sgx2Signature;
    /** Ship an SGX1 layout that differs from the one the converter signed (a tampered image). */
    public boolean tamperSgx1Layout;
    /** Leave out the layout labels (a plain Data Shield image). */
    public boolean withoutLayoutLabels;

    public ConvertedImageFixture() {
        for (int i = 0; i < sgx2Content.length; i++) {
            sgx2Content[i] = (byte) (i * 5 + 1);
        }
    }

    /** The SGX2 layout as a manifest: the same first two pages as SGX1 would have, without the free heap. */
    public String sgx2Manifest() {
        return """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x10000", "ssaFrameSize": 1},
             "ranges": [{"name": "image", "offset": 0, "pages": 2, "flags": "0x205",
                         "content": {"file": "app.bin", "offset": 0, "length": 8192}}]}
            """;
    }

    public String sgx2Mrenclave() {
        return new SgxsBuilder().ecreate(1, 0x10000).page(0, 0x205, java.util.Arrays.copyOfRange(sgx2Content, 0, 4096))
                .page(0x1000, 0x205, java.util.Arrays.copyOfRange(sgx2Content, 4096, 8192)).expectedMrenclave();
    }

    /** Writes the image into {@code dir} as an OCI layout; returns its reference {@code oci:DIR:1.0}. */
    public ImageReference write(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Sigstruct base = Sigstruct.builder().isvProdId(7).isvSvn(1).attributes(new Attributes(0x6, 0x7))
                .attributeMask(new Attributes(-1L, ~0xE0L)).miscMask(0xfffffffe)
                .mrenclave(Hash256.sha256(new byte[0])).build();
        sgx1Signature = SigstructSigner.sign(base.toBuilder().mrenclave(Hash256.parse("m", sgx1.expectedMrenclave())).build(),
                converterKey);
        sgx2Signature = SigstructSigner.sign(base.toBuilder().mrenclave(Hash256.parse("m", sgx2Mrenclave())).build(),
                converterKey);

        List<String[]> layers = new ArrayList<>();
        layers.add(layer(dir, Map.of("etc/os-release", "ID=debian\n".getBytes(StandardCharsets.UTF_8),
                "app/server", "#!/bin/sh\nexec enclave\n".getBytes(StandardCharsets.UTF_8),
                "tmp/junk", "deleted above\n".getBytes(StandardCharsets.UTF_8),
                "var/lib/state", "hidden by an opaque directory above\n".getBytes(StandardCharsets.UTF_8))));
        Map<String, byte[]> enclave = new LinkedHashMap<>();
        enclave.put("enclave/app.sgxs", tamperSgx1Layout
                ? new SgxsBuilder().ecreate(1, 0x10000).measuredPage(0, 0x100, 9).bytes() : sgx1.bytes());
        enclave.put("enclave/layout.json", sgx2Manifest().getBytes(StandardCharsets.UTF_8));
        enclave.put("enclave/app.bin", sgx2Content);
        layers.add(layer(dir, enclave));
        layers.add(layer(dir, Map.of("tmp/.wh.junk", new byte[0], "var/.wh..wh..opq", new byte[0],
                "app/config.toml", "x = 1\n".getBytes(StandardCharsets.UTF_8))));

        StringBuilder diffIds = new StringBuilder();
        StringBuilder layerDescs = new StringBuilder();
        for (String[] l : layers) {
            diffIds.append(diffIds.length() == 0 ? "" : ",").append("\"sha256:").append(l[1]).append('"');
            layerDescs.append(layerDescs.length() == 0 ? "" : ",")
                    .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:")
                    .append(l[0]).append("\",\"size\":").append(l[2]).append('}');
        }
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2021-03-01T10:00:00Z\","
                + "\"config\":{\"User\":\"1000:1000\",\"ExposedPorts\":{\"8443/tcp\":{}},"
                + "\"Env\":[\"PATH=/usr/local/bin:/usr/bin\",\"ENCLAVEOS_SIGNATURE=" + b64(sgx1Signature)
                + "\",\"APP_MODE=prod\",\"ENCLAVEOS_SIGNATURE2=" + b64(sgx2Signature) + "\"],"
                + "\"Entrypoint\":[\"/app/server\"],\"Cmd\":[\"--port\",\"8443\"],\"WorkingDir\":\"/app\","
                + "\"Labels\":{" + (withoutLayoutLabels ? "" : "\"org.enclaveos.layout.sgx1\":\"/enclave/app.sgxs\","
                + "\"org.enclaveos.layout.sgx2\":\"/enclave/layout.json\",") + "\"maintainer\":\"team@example.com\"}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]},"
                + "\"history\":[{\"created\":\"2021-03-01T10:00:00Z\",\"created_by\":\"enclaveos convert\"}],"
                + "\"x-converter\":{\"version\":\"3.2.1\",\"ratio\":1.50}}";
        String configDigest = blob(dir, config.getBytes(StandardCharsets.UTF_8));
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + configDigest
                + "\",\"size\":" + config.length() + "},\"layers\":[" + layerDescs + "],"
                + "\"annotations\":{\"org.opencontainers.image.source\":\"https://example.com/app\"}}";
        String manifestDigest = blob(dir, manifest.getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestDigest + "\",\"size\":"
                + manifest.length() + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + TAG + "\"}}]}");
        return ImageReference.parse("oci:" + dir + ":" + TAG);
    }

    static String b64(Sigstruct s) {
        return Base64.getEncoder().encodeToString(s.toBytes());
    }

    /** A gzip tar layer; returns {compressed digest hex, uncompressed digest hex, compressed size}. */
    static String[] layer(Path dir, Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> f : new java.util.TreeMap<>(files).entrySet()) {
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
